# What `cmake --install` puts into a prefix, and the Debian packages CPack
# makes of it (`cpack -G DEB` in the build tree). Two components:
#   runtime — libengram-core.so.<major.minor>, the plugins in <libdir>/engram,
#             the `engram` tool;
#   dev     — the public headers, the libengram-core.so link, the CMake
#             package (find_package(engram 0.4 CONFIG): engram::core and
#             engram_add_plugin), engram.pc, and engram-conformance;
#   python  — the Python package engram/ (tools/python) under
#             ENGRAM_PYTHON_INSTALL_DIR, when ENGRAM_PYTHON builds it.
# Nothing installed names the build tree: the loader finds the plugins
# beside the core library (engram/plugin_loader.h), and the programs find
# the core through an RPATH relative to themselves.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ENGRAM_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/engram)
file(STRINGS ${PROJECT_SOURCE_DIR}/core/include/engram/plugin.h ENGRAM_ABI_LINE
     REGEX "kPluginAbiVersion = [0-9]+;")
string(REGEX REPLACE ".*= ([0-9]+);.*" "\\1" ENGRAM_PLUGIN_ABI_VERSION "${ENGRAM_ABI_LINE}")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/core/include/engram
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev)
install(TARGETS engram-core EXPORT engramTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT dev
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT engramTargets NAMESPACE engram:: FILE engramTargets.cmake
        DESTINATION ${ENGRAM_CMAKE_INSTALL_DIR} COMPONENT dev)

# The package: engramConfig.cmake (engram::core, its dependency on
# nlohmann_json, engram_add_plugin and the compiler engram was built with)
# and a version file: a request for 0.4 is met by any 0.4.x and by nothing
# else, as the plugin ABI rule has it.
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/engramConfig.cmake.in
  ${PROJECT_BINARY_DIR}/engramConfig.cmake
  INSTALL_DESTINATION ${ENGRAM_CMAKE_INSTALL_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/engramConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/engramConfig.cmake
              ${PROJECT_BINARY_DIR}/engramConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/EngramPlugin.cmake
        DESTINATION ${ENGRAM_CMAKE_INSTALL_DIR} COMPONENT dev)

# engram.pc: `pkg-config --cflags --libs engram`. Its prefix is found from
# the .pc file's own folder, so an unpacked or moved prefix still works.
file(RELATIVE_PATH ENGRAM_PC_PREFIX_FROM_PCDIR "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
configure_file(${PROJECT_SOURCE_DIR}/cmake/engram.pc.in ${PROJECT_BINARY_DIR}/engram.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/engram.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT dev)

# The Debian packages. dpkg-shlibdeps computes the runtime package's
# Depends: from the libraries its files link (libhiredis, libsqlite3,
# libhdf5, libyaml-cpp, ...); the dev package needs the headers the public
# ones include (nlohmann::json) and Boost.DLL's for plugins, and the
# runtime package of the same version.
set(CPACK_PACKAGE_NAME engram)
set(CPACK_PACKAGE_VENDOR "engram")
set(CPACK_PACKAGE_CONTACT "engram developers <engram@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "plugin-based storage for the memory of a neuromorphic AI system")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_COMPONENTS_ALL runtime dev)
if(TARGET _engram)
  list(APPEND CPACK_COMPONENTS_ALL python)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION libs)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME engram)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS
    ${CMAKE_INSTALL_LIBDIR} ${CMAKE_INSTALL_LIBDIR}/engram)
set(CPACK_DEBIAN_DEV_PACKAGE_NAME engram-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
# engram-conformance links only the core and the C++ runtime, which the
# runtime package brings; dpkg-shlibdeps cannot see the core from here.
set(CPACK_DEBIAN_DEV_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
    "engram (= ${PROJECT_VERSION}), nlohmann-json3-dev (>= 3.11), libboost-dev (>= 1.74)")
# python3-engram: the extension links only the core and the C++ runtime,
# which the runtime package brings (as for engram-dev); it is built for one
# Python minor version and imports numpy.
set(CPACK_DEBIAN_PYTHON_PACKAGE_NAME python3-engram)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SECTION python)
set(CPACK_DEBIAN_PYTHON_PACKAGE_SHLIBDEPS OFF)
if(TARGET _engram)
  set(CPACK_DEBIAN_PYTHON_PACKAGE_DEPENDS
      "engram (= ${PROJECT_VERSION}), python3 (>= ${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}), python3 (<< ${Python3_VERSION_MAJOR}.${ENGRAM_PYTHON_NEXT_MINOR}), python3-numpy")
endif()
include(CPack)
