#pragma once
/// @file profiles.hpp
/// Image profiles: the reference's six plus `minimal-shell`, which builds with no registry.

#include <pocketdock/types.hpp>

#include <string>
#include <vector>

namespace pocketdock {

/// Looks a profile up by name.
/// @throws InvalidArgument "Unknown profile 'X'. Known profiles: ..." (sorted).
[[nodiscard]] ProfileInfo resolve_profile(const std::string& name);

/// All profiles: the reference's six in its order, then minimal-shell.
[[nodiscard]] std::vector<ProfileInfo> list_profiles();

}  // namespace pocketdock
