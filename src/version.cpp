#include <pocketdock/version.hpp>

namespace pocketdock {

std::string get_version() { return POCKETDOCK_VERSION; }

}  // namespace pocketdock
