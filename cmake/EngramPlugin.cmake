# engram_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds plugin <name> as the MODULE libengram-<name>.so in the build tree's
# plugin folder (where the loader looks), installed to <libdir>/engram.
function(engram_add_plugin name)
  cmake_parse_arguments(PLUGIN "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target engram-plugin-${name})
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME engram-${name}
    PREFIX lib
    LIBRARY_OUTPUT_DIRECTORY ${ENGRAM_PLUGIN_BUILD_DIR})
  target_link_libraries(${target} PRIVATE engram::core Boost::headers ${PLUGIN_LIBRARIES})
  # No STB_GNU_UNIQUE symbols: glibc never unloads a library that has them,
  # which would hide lifetime bugs (and keep a closed plugin mapped). Clang
  # never emits them and lacks the flag.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  # A missing symbol is a build error, not a load-time surprise.
  target_link_options(${target} PRIVATE ${ENGRAM_NO_UNDEFINED})
  install(TARGETS ${target} LIBRARY DESTINATION ${ENGRAM_PLUGIN_INSTALL_DIR})
endfunction()
