# engram_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds plugin <name> as the MODULE libengram-<name>.so, the way engram
# builds its own: C++20, symbols hidden, no STB_GNU_UNIQUE symbols, every
# symbol defined at link time, linked to engram::core and Boost's headers
# (Boost.DLL exports the entry point). Installs it to <libdir>/engram, the
# folder the loader searches beside libengram-core.so (with the <libdir>
# engram was installed with), so a plugin installed with engram's prefix
# (`cmake --install <build> --prefix <engram's prefix>`) is found by every
# host without configuration.
#
# The same file serves engram's own tree (plugins land in the build tree's
# lib/engram, beside the core) and plugin authors (installed with the CMake
# package: `find_package(engram 0.7 CONFIG REQUIRED)` brings it in). Outside
# engram's tree the plugin lands in the current binary folder, where a
# config's `plugin_path` or `plugin: <file>` finds it before it is installed.
#
# The core refuses a plugin built by another compiler (the build
# fingerprint, engram/plugin.h), so an installed engram records the
# compiler it was built with and a different one is a configure error here
# rather than a load error later.
include_guard(GLOBAL)

function(engram_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBRARIES" ${ARGN})
  # Here, not at the top: the calling project has enabled its languages by
  # now, which GNUInstallDirs needs to pick the library folder.
  include(GNUInstallDirs)
  if(NOT name MATCHES "^[A-Za-z0-9_.-]+$")
    message(FATAL_ERROR "engram_add_plugin: `${name}` is not a plugin name "
                        "(letters, digits, '_', '-', '.')")
  endif()
  if(NOT PLUGIN_SOURCES)
    message(FATAL_ERROR "engram_add_plugin(${name}): SOURCES is required")
  endif()
  if(DEFINED ENGRAM_BUILT_WITH_CXX_COMPILER_ID AND
     NOT (CMAKE_CXX_COMPILER_ID STREQUAL ENGRAM_BUILT_WITH_CXX_COMPILER_ID AND
          CMAKE_CXX_COMPILER_VERSION VERSION_EQUAL ENGRAM_BUILT_WITH_CXX_COMPILER_VERSION))
    message(FATAL_ERROR
      "engram_add_plugin(${name}): engram was built with ${ENGRAM_BUILT_WITH_CXX_COMPILER_ID} "
      "${ENGRAM_BUILT_WITH_CXX_COMPILER_VERSION}, this project uses ${CMAKE_CXX_COMPILER_ID} "
      "${CMAKE_CXX_COMPILER_VERSION}; the core would refuse the plugin (build fingerprint). "
      "Configure with -DCMAKE_CXX_COMPILER=<the same compiler>.")
  endif()
  if(NOT TARGET Boost::headers)
    find_package(Boost 1.74 REQUIRED)
  endif()

  set(target engram-plugin-${name})
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME engram-${name}
    PREFIX lib
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(DEFINED ENGRAM_PLUGIN_BUILD_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ENGRAM_PLUGIN_BUILD_DIR})
  endif()
  target_link_libraries(${target} PRIVATE engram::core Boost::headers ${PLUGIN_LIBRARIES})
  # Boost.DLL on std::filesystem, as the core uses it.
  target_compile_definitions(${target} PRIVATE BOOST_DLL_USE_STD_FS)
  # No STB_GNU_UNIQUE symbols: glibc never unloads a library that has them,
  # which would hide lifetime bugs (and keep a closed plugin mapped). Clang
  # never emits them and lacks the flag.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  # A missing symbol is a build error, not a load-time surprise (engram's
  # fuzz build, whose sanitizer runtimes live in the executable, clears it).
  if(DEFINED ENGRAM_NO_UNDEFINED)
    target_link_options(${target} PRIVATE ${ENGRAM_NO_UNDEFINED})
  else()
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  # Into engram's own plugin folder when installed with the same prefix:
  # the library folder engram was installed with, not this project's guess.
  if(DEFINED ENGRAM_INSTALL_LIBDIR)
    set(libdir ${ENGRAM_INSTALL_LIBDIR})
  else()
    set(libdir ${CMAKE_INSTALL_LIBDIR})
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${libdir}/engram COMPONENT runtime)
endfunction()
