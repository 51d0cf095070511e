# Dependencies, all through find_package. cpp-httplib: its CMake config where present (upstream,
# vcpkg, Conan), else the cpp-httplib pkg-config module Debian ships; the imported target carries
# the -DCPPHTTPLIB_* definitions the shared library was built with (they change class layouts).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3.2 REQUIRED)
find_package(LibArchive REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(tomlplusplus REQUIRED)

find_package(httplib CONFIG QUIET)
add_library(pocketdock_httplib INTERFACE)
if(httplib_FOUND)
  target_link_libraries(pocketdock_httplib INTERFACE httplib::httplib)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
  target_link_libraries(pocketdock_httplib INTERFACE PkgConfig::HTTPLIB)
endif()
