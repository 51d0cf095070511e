#pragma once
/// @file options.hpp
/// Option aggregates. Use designated initializers:
/// `create_new_container({.image = "pocketdock/minimal-shell", .mem_limit = "256m"})`.

#include <pocketdock/security.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pocketdock {

using namespace std::chrono_literals;

/// Default image of the reference library.
inline constexpr const char* kDefaultImage = "pocketdock/minimal-python";
/// Default cap on a blocking run's stdout+stderr (10 MiB).
inline constexpr std::size_t kDefaultMaxOutput = 10U * 1024U * 1024U;
/// Default ring buffer capacity of a detached process (1 MiB, half per stream).
inline constexpr std::size_t kDefaultBufferCapacity = 1024U * 1024U;

/// One published port. The host side binds to `host_ip` (loopback unless you say otherwise);
/// `host = 0` lets the engine choose a free port, readable back from `Container::ports()`.
struct PortMapping {
  int host = 0;
  int container = 0;
  std::string host_ip = "127.0.0.1";
  bool operator==(const PortMapping&) const = default;
};

/// Which engine socket to use and how long each engine call may take.
struct EngineOptions {
  /// Explicit socket path; empty means discovery (see `discover_engine`).
  std::string socket;
  /// Deadline of every request/response engine call.
  std::chrono::milliseconds api_timeout = 30s;
};

/// Options of `create_new_container` (the reference's keyword arguments, plus more).
struct CreateOptions {
  std::string image = kDefaultImage;
  /// Container name; empty gives "pd-" + 8 random hex digits. Also the engine-level name.
  std::string name;
  /// Default timeout of blocking `run` calls on this container.
  std::chrono::milliseconds timeout = 30s;
  /// Memory limit in the reference grammar: digits with an optional b/k/m/g/t suffix ("256m").
  std::optional<std::string> mem_limit;
  /// CPU limit in percent of one CPU (50 = half a CPU); 1 to 100 x the host's CPUs.
  std::optional<int> cpu_percent;
  /// Persistent containers survive `shutdown()` (stopped, not removed).
  bool persist = false;
  /// Bind mounts: absolute host path -> container path.
  std::map<std::string, std::string> volumes;
  std::optional<std::string> project;
  /// Image profile; used when `image` is left at its default.
  std::optional<std::string> profile;
  /// Host device paths passed through at the same path.
  std::vector<std::string> devices;
  std::vector<PortMapping> ports;

  // Beyond the reference.
  std::map<std::string, std::string> env;
  std::string workdir;
  std::string user;
  /// Networking on or off. Unset means: the image profile's default, else on when a port is
  /// published (standard), off (strict), the engine's default, on (none).
  std::optional<bool> network;
  /// Extra labels (the pocketdock.* labels are always set and cannot be overridden).
  std::map<std::string, std::string> labels;
  /// Security profile and per-field adjustments (see security.hpp); `standard` by default.
  SecurityOptions security;
  /// OCI runtime of the container ("runsc" for gVisor); empty means the engine's default. It
  /// must be one the engine offers (`GET /info`); Podman 4.3 runs every container of a service
  /// under that service's default runtime, so there only that one is accepted.
  std::string runtime;
  EngineOptions engine;
};

/// Options of `Container::snapshot` (the engine's commit).
struct SnapshotOptions {
  /// Dockerfile instructions applied to the image, e.g. `CMD ["sh"]`, `ENV A=b`, `WORKDIR /w`.
  std::vector<std::string> changes;
  std::string comment;
  std::string author;
};

/// Options of `Container::run`, `stream` and `spawn`.
struct RunOptions {
  /// Kill the command after this long; unset means the container's default timeout.
  std::optional<std::chrono::milliseconds> timeout;
  /// Cap on stdout+stderr bytes kept; on reaching it the output is cut and the command ended.
  std::size_t max_output = kDefaultMaxOutput;
  /// "python" runs the command with `python3 -c`; anything else with `sh -c`.
  std::string lang;
  /// Extra environment variables for this command.
  std::map<std::string, std::string> env;
  /// Working directory; empty means the container's.
  std::string workdir;
  /// User to run as; empty means the container's.
  std::string user;
  /// Bytes written to the command's stdin, which is then closed (EOF). Unset: stdin is empty.
  std::optional<std::string> input;
};

/// Options of `Container::spawn` (a detached process).
struct SpawnOptions {
  RunOptions run;
  /// Ring buffer capacity in bytes; each stream gets half.
  std::size_t buffer_capacity = kDefaultBufferCapacity;
};

}  // namespace pocketdock
