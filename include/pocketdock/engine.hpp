#pragma once
/// @file engine.hpp
/// Engine discovery: which Podman or Docker socket answers, and what it is.

#include <pocketdock/errors.hpp>
#include <pocketdock/options.hpp>

#include <string>
#include <vector>

namespace pocketdock {

enum class EngineKind { podman, docker };

/// "podman" or "docker".
[[nodiscard]] const char* to_string(EngineKind kind) noexcept;

/// An engine that answered `GET /_ping`.
struct EngineInfo {
  std::string socket_path;
  EngineKind kind = EngineKind::docker;
  std::string api_version;  ///< from the `Api-Version` header, e.g. "1.41"
  bool operator==(const EngineInfo&) const = default;
};

/// The socket candidates in discovery order, without checking them: explicit socket >
/// `POCKETDOCK_SOCKET` > `CONTAINER_HOST` > `DOCKER_HOST` (unix:// only) >
/// `$XDG_RUNTIME_DIR/podman/podman.sock` (or `/run/user/<uid>/...`) > `/run/podman/podman.sock` >
/// `/var/run/docker.sock`.
[[nodiscard]] std::vector<EngineCandidate> engine_candidates(const std::string& explicit_socket = {});

/// Returns the first candidate that answers `GET /_ping`.
/// @throws PodmanNotRunning listing every candidate and why it failed.
[[nodiscard]] EngineInfo discover_engine(const EngineOptions& options = {});

}  // namespace pocketdock
