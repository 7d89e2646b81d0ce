# strata_add_driver(<name> SOURCES ... [LIBRARIES ...])
#
# Builds a driver plugin the one way every driver is built: a MODULE library named
# strata-driver-<name>.so, linked against the core and nothing of other drivers, with hidden
# visibility (only the Boost.DLL aliases of the SDK are exported) and no undefined symbols,
# placed in the build tree's plugin directory and installed into <libdir>/strata.
function(strata_add_driver name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  set(target strata-driver-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE strata::core ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    LIBRARY_OUTPUT_DIRECTORY "${STRATA_PLUGIN_BUILD_DIR}"
    INSTALL_RPATH "$ORIGIN/..")  # libstrata is installed one directory up
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  install(TARGETS ${target} LIBRARY DESTINATION "${STRATA_PLUGIN_INSTALL_DIR}")
endfunction()
