#pragma once
/// @file security.hpp
/// Security profiles of a container (`CreateOptions::security`) and the posture read back from
/// the engine (`ContainerInfo::security`). See the README's Security section for what each
/// profile sets and why.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pocketdock {

/// How much a container is confined.
enum class SecurityProfile {
  /// The default: no-new-privileges, a small explicit capability set, a pids limit, `Init`, and
  /// the network off unless asked for (`network = true`, a published port, or the image profile).
  standard,
  /// Everything of `standard`, and: no capabilities at all, a read-only root filesystem with
  /// size-limited tmpfs for /tmp, the home and working directories, no network, uid 1000, a
  /// pids limit of 256 and a memory limit of 512m unless given.
  strict,
  /// Exactly the engine's defaults (for images that need more than `standard` allows).
  none,
};

/// "standard", "strict" or "none".
[[nodiscard]] const char* to_string(SecurityProfile profile) noexcept;

/// The profile named `name` ("standard", "strict", "none"), or nothing.
[[nodiscard]] std::optional<SecurityProfile> parse_security_profile(std::string_view name) noexcept;

/// Capabilities `standard` keeps (every other one is dropped): enough for shells, file ownership
/// changes and package managers. NET_BIND_SERVICE is added when a container port below 1024 is
/// published.
[[nodiscard]] const std::vector<std::string>& standard_capabilities();

/// A profile plus per-field adjustments: an unset field keeps the profile's value, so
/// `{.profile = SecurityProfile::strict, .pids_limit = 512}` changes only the pids limit.
struct SecurityOptions {
  SecurityProfile profile = SecurityProfile::standard;
  /// Set the no-new-privileges flag (execve never grants privileges: setuid bits are ignored).
  std::optional<bool> no_new_privileges;
  /// The exact capability set ("CHOWN", "NET_RAW", ...; no "CAP_" prefix): every other one is
  /// dropped. An empty set drops them all.
  std::optional<std::vector<std::string>> capabilities;
  /// Most processes (threads count) the container may hold; 0 leaves the engine's default.
  std::optional<std::int64_t> pids_limit;
  /// Mount the image's root filesystem read-only (the tmpfs mounts stay writable).
  std::optional<bool> read_only_root;
  /// Size of each tmpfs mount of `strict` (/tmp, the home and the working directory), in the
  /// `mem_limit` grammar ("64m").
  std::optional<std::string> tmpfs_size;
};

/// The confinement a container really has, as the engine reports it (not as requested).
struct SecurityPosture {
  /// Profile name recorded when pocketdock made the container; "" for one it did not make.
  std::string profile;
  bool no_new_privileges = false;
  /// Capabilities added and dropped as the engine reports them. Docker echoes the request
  /// (`cap_drop` ["ALL"]); Podman lists the drop as each of its default capabilities removed.
  std::vector<std::string> cap_add;
  std::vector<std::string> cap_drop;
  /// Pids limit; nothing when unlimited.
  std::optional<std::int64_t> pids_limit;
  bool read_only_root = false;
  /// tmpfs mount point -> mount options.
  std::map<std::string, std::string> tmpfs;
  /// "none", "bridge", "default", "host", ...
  std::string network_mode;
  /// User the container's processes run as ("" = the image's, usually root).
  std::string user;
  /// OCI runtime the container runs under ("runc", "runsc", ...).
  std::string runtime;

  bool operator==(const SecurityPosture&) const = default;
};

}  // namespace pocketdock
