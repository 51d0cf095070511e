#pragma once
// What a security profile sets in a create body, in one place for both engines.

#include <pocketdock/options.hpp>
#include <pocketdock/security.hpp>

#include <nlohmann/json.hpp>

namespace pocketdock::detail {

/// Label naming the security profile a container was made with.
inline constexpr const char* kSecurityLabel = "pocketdock.security";
/// Home (and default working directory) of a `strict` container.
inline constexpr const char* kStrictHome = "/home/sandbox";

/// Rejects combinations a profile forbids (strict with a network or ports), bad capability
/// names, a negative pids limit, a bad tmpfs size or runtime name. @throws InvalidArgument
void validate_security_options(const CreateOptions& options);

/// Sets the profile's HostConfig fields (capabilities, no-new-privileges, pids and memory
/// limits, read-only root and its tmpfs mounts, network mode, runtime) and the User,
/// WorkingDir and HOME it implies. `body` already holds the rest of the create body.
void apply_security(const CreateOptions& options, nlohmann::json& body);

}  // namespace pocketdock::detail
