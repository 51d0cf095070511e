include(CMakePackageConfigHelpers)

# The private dependency shim is exported too: a static pocketdock needs its link line.
install(TARGETS pocketdock pocketdock_httplib EXPORT pocketdockTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/pocketdock DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY images/ DESTINATION ${CMAKE_INSTALL_DATADIR}/pocketdock/images USE_SOURCE_PERMISSIONS)
install(EXPORT pocketdockTargets NAMESPACE pocketdock:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pocketdock)
configure_package_config_file(cmake/pocketdockConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/pocketdockConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pocketdock)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/pocketdockConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/pocketdockConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/pocketdockConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/pocketdock)
