# strata_add_driver(<name> SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY dir] [NO_INSTALL])
#
# Builds a driver plugin the one way every driver is built: a MODULE library named
# strata-driver-<name>.so, linked against the core and nothing of other drivers, with hidden
# visibility (only the Boost.DLL aliases of the SDK are exported) and no undefined symbols,
# placed in the build tree's plugin directory and installed into <libdir>/strata.
#
# With STRATA_STATIC_DRIVERS on, the same sources become a static library that the core links
# in; the SDK's declarations then register the driver at start-up instead of exporting aliases.
#
# The same function is installed with strata's CMake package, for drivers built out of tree:
# there the plugin lands in STRATA_PLUGIN_BUILD_DIR (default <build>/plugins), which is what
# STRATA_PLUGIN_PATH names to try it, and installs into <libdir>/strata.
#
# OUTPUT_DIRECTORY places the plugin elsewhere than the plugin directory, and NO_INSTALL keeps
# it out of the package: a plugin for tests only (strata's own sqlitetest).
include(GNUInstallDirs)
if(NOT DEFINED STRATA_PLUGIN_BUILD_DIR)
  set(STRATA_PLUGIN_BUILD_DIR "${CMAKE_BINARY_DIR}/plugins")
endif()
if(NOT DEFINED STRATA_PLUGIN_INSTALL_DIR)
  set(STRATA_PLUGIN_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/strata")
endif()

function(strata_add_driver name)
  cmake_parse_arguments(ARG "NO_INSTALL" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIRECTORY)
    set(ARG_OUTPUT_DIRECTORY "${STRATA_PLUGIN_BUILD_DIR}")
  endif()
  set(target strata-driver-${name})
  if(STRATA_STATIC_DRIVERS AND NOT TARGET strata_core)
    message(FATAL_ERROR "this strata was built with its drivers linked in (STRATA_STATIC_DRIVERS) and loads no "
                        "plugins: build ${target} against a strata built with plugins")
  endif()
  if(STRATA_STATIC_DRIVERS)
    add_library(${target} STATIC ${ARG_SOURCES})
    target_link_libraries(${target} PRIVATE strata::core ${ARG_LIBRARIES})
    target_compile_definitions(${target} PRIVATE STRATA_STATIC_DRIVER STRATA_DRIVER_ID=${name})
    install(TARGETS ${target} EXPORT strataTargets ARCHIVE DESTINATION "${STRATA_PLUGIN_INSTALL_DIR}")
    return()
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE strata::core ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY "${ARG_OUTPUT_DIRECTORY}"
    INSTALL_RPATH "$ORIGIN/.."  # libstrata is installed one directory up
    # The same RUNPATH in the build tree: else CMake ends that one with ':', which the dynamic
    # loader reads as the current directory. A plugin is loaded by libstrata, so finds it loaded.
    BUILD_WITH_INSTALL_RPATH ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  if(NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION "${STRATA_PLUGIN_INSTALL_DIR}")
  endif()
endfunction()
