#pragma once
/// @file version.hpp

#include <string>

namespace pocketdock {

/// The library version, e.g. "0.1.0".
[[nodiscard]] std::string get_version();

}  // namespace pocketdock
