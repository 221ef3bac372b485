# Installation: the eco2 command, the libraries, the public headers, the eco2:: CMake package and eco2.pc.
#   cmake --install build [--prefix P] [--component runtime|devel|python]
#
# eco2::core stays a static library: its C++ API has no export annotations and passes std:: types, so a
# shared C++ ABI would be fragile. Its private dependencies (fmt, nlohmann_json) are therefore link
# dependencies of consumers, and eco2Config.cmake finds them (Debian: libfmt-dev, nlohmann-json3-dev). The C
# API, eco2::c, is the shared library with a stable ABI and no dependency to find (see src/capi/).
include(CMakePackageConfigHelpers)

set(ECO2_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/eco2 CACHE STRING
    "Where eco2Config.cmake is installed, relative to CMAKE_INSTALL_PREFIX")

set_target_properties(eco2_core PROPERTIES EXPORT_NAME core)
# eco2_core links the warning flags privately; CMake 3.25 still names that target in the export (as a link-only
# dependency that carries nothing), so it is exported too.
set_target_properties(eco2_warnings PROPERTIES EXPORT_NAME detail_warnings)

install(TARGETS eco2 RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(TARGETS eco2_http LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/eco2 COMPONENT runtime)
install(TARGETS eco2_core eco2_c eco2_warnings EXPORT eco2Targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT devel
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT runtime NAMELINK_COMPONENT devel
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/eco2 DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT devel
        FILES_MATCHING PATTERN "*.hpp" PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/eco2/export.h ${PROJECT_BINARY_DIR}/include/eco2/c_export.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/eco2 COMPONENT devel)

# Packages that consumers of eco2::core must find: those of the imported targets it links (fmt::fmt -> fmt).
set(ECO2_PACKAGE_DEPENDENCIES "")
get_target_property(_eco2_core_links eco2_core LINK_LIBRARIES)
foreach(_eco2_link IN LISTS _eco2_core_links)
  if(_eco2_link MATCHES "^([A-Za-z0-9_]+)::" AND TARGET ${_eco2_link})
    get_target_property(_eco2_imported ${_eco2_link} IMPORTED)
    if(_eco2_imported)
      list(APPEND ECO2_PACKAGE_DEPENDENCIES ${CMAKE_MATCH_1})
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES ECO2_PACKAGE_DEPENDENCIES)
list(JOIN ECO2_PACKAGE_DEPENDENCIES " " ECO2_PACKAGE_DEPENDENCIES)

install(EXPORT eco2Targets NAMESPACE eco2:: DESTINATION ${ECO2_INSTALL_CMAKEDIR} COMPONENT devel)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/eco2Config.cmake.in
  ${PROJECT_BINARY_DIR}/eco2Config.cmake INSTALL_DESTINATION ${ECO2_INSTALL_CMAKEDIR})
# 0.x: a new minor version may change the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/eco2ConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/eco2Config.cmake ${PROJECT_BINARY_DIR}/eco2ConfigVersion.cmake
        DESTINATION ${ECO2_INSTALL_CMAKEDIR} COMPONENT devel)

# pkg-config (the C API). The prefix is found from the .pc file's own place, so that the installed tree can be
# moved (and `cmake --install --prefix P` works whatever prefix was configured).
file(RELATIVE_PATH ECO2_PC_PREFIX_FROM_PCDIR "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" ECO2_PC_PREFIX_FROM_PCDIR "${ECO2_PC_PREFIX_FROM_PCDIR}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/eco2.pc.in ${PROJECT_BINARY_DIR}/eco2.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/eco2.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT devel)
