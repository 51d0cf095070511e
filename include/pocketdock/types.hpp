#pragma once
/// @file types.hpp
/// Value types returned by pocketdock. They mirror the Python reference's frozen dataclasses.
/// `stdout`/`stderr` are C macros, so output members are named `out` and `err`.

#include <pocketdock/security.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pocketdock {

/// Wall-clock time used for container timestamps.
using Timestamp = std::chrono::system_clock::time_point;
/// Durations in milliseconds with a fractional part (reference `duration_ms: float`).
using Milliseconds = std::chrono::duration<double, std::milli>;

/// The stream a piece of output came from.
enum class OutputStream : std::uint8_t {
  out = 1,  ///< the command's standard output (reference: "stdout")
  err = 2,  ///< the command's standard error (reference: "stderr")
};

/// Reference name of a stream: "stdout" or "stderr".
[[nodiscard]] const char* to_string(OutputStream stream) noexcept;

/// Result of a command (reference `ExecResult`). `out` and `err` hold the exact bytes the command
/// wrote (no UTF-8 replacement). `exit_code` is -1 when unknown (timeout, lost connection).
struct ExecResult {
  int exit_code = -1;
  std::string out;          ///< reference field `stdout`
  std::string err;          ///< reference field `stderr`
  Milliseconds duration{};  ///< reference field `duration_ms`
  bool timed_out = false;
  bool truncated = false;
  /// The command was killed by the container's memory limit: it ended by SIGKILL (exit code
  /// 137) and the kernel's OOM-kill count of the container's memory cgroup grew (read from the
  /// container through the engine; neither engine reports an exec's OOM kill itself). Set by
  /// `Container::run`; false where the count cannot be read (gVisor).
  bool oom_killed = false;

  /// True when the command exited with 0 and did not time out.
  [[nodiscard]] bool ok() const noexcept { return exit_code == 0 && !timed_out; }
  /// `duration` as a plain number of milliseconds (reference `duration_ms`).
  [[nodiscard]] double duration_ms() const noexcept { return duration.count(); }

  bool operator==(const ExecResult&) const = default;
};

/// One piece of output from a streaming command (reference `StreamChunk`).
struct StreamChunk {
  OutputStream stream = OutputStream::out;
  std::string data;  ///< bytes as the engine framed them

  bool operator==(const StreamChunk&) const = default;
};

/// Contents of a detached process's ring buffer (reference `BufferSnapshot`).
struct BufferSnapshot {
  std::string out;  ///< reference field `stdout`
  std::string err;  ///< reference field `stderr`

  bool operator==(const BufferSnapshot&) const = default;
};

/// Live snapshot of a container (reference `ContainerInfo`, 16 fields).
struct ContainerInfo {
  std::string id;
  std::string name;
  std::string status;
  std::string image;
  Timestamp created_at{};
  std::optional<Timestamp> started_at;
  std::optional<std::chrono::microseconds> uptime;
  std::string memory_usage;  ///< e.g. "42.1 MB" (reference `format_bytes`)
  std::string memory_limit;
  double memory_percent = 0.0;
  double cpu_percent = 0.0;  ///< percent of one CPU
  int pids = 0;
  bool network = false;
  std::string ip_address;
  std::map<int, int> ports;  ///< host port -> container port
  std::vector<std::map<std::string, std::string>> processes;
  /// The confinement the engine reports for the container.
  SecurityPosture security;

  bool operator==(const ContainerInfo&) const = default;
};

/// Summary of a managed container (reference `ContainerListItem`).
struct ContainerListItem {
  std::string id;  ///< first 12 characters of the engine id
  std::string name;
  std::string status;
  std::string image;
  std::string created_at;  ///< ISO 8601, from the `pocketdock.created-at` label
  bool persist = false;
  std::string project;

  bool operator==(const ContainerListItem&) const = default;
};

/// Result of `doctor()` (reference `DoctorReport`).
struct DoctorReport {
  std::vector<std::string> orphaned_containers;
  std::vector<std::string> stale_instance_dirs;
  int healthy = 0;

  bool operator==(const DoctorReport&) const = default;
};

/// Metadata of an image profile (reference `ProfileInfo`).
struct ProfileInfo {
  std::string name;
  std::string image_tag;
  std::string dockerfile_dir;
  bool network_default = false;
  std::string description;
  std::string size_estimate;

  bool operator==(const ProfileInfo&) const = default;
};

}  // namespace pocketdock
