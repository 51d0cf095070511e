#pragma once
// Exec plumbing shared by every run mode: launching an attached exec with a kill token, reading
// and demultiplexing its output with deadlines, signalling it, and collecting its exit code.

#include "demux.hpp"
#include "engine_api.hpp"

#include <pocketdock/command.hpp>
#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <csignal>
#include <future>
#include <string>
#include <thread>

namespace pocketdock::detail {

/// Name of the environment variable that marks every process of one exec (and its children).
inline constexpr const char* kExecTokenVar = "POCKETDOCK_EXEC_TOKEN";

/// A random 32-hex-digit token.
[[nodiscard]] std::string random_hex(std::size_t digits);

/// A started exec: its id, its token, and its hijacked connection.
struct LaunchedExec {
  std::string exec_id;
  std::string token;
  std::string user;  ///< the user it runs as ("" = the container's), used again to signal it
  UpgradedStream stream;
  Clock::time_point started;
};

/// Creates and starts an attached exec. Unless `keep_stdin_open`, `options.input` (if any) is
/// written by a background writer and stdin is half-closed so the command sees EOF.
[[nodiscard]] LaunchedExec launch_exec(EngineClient& engine, const std::string& container_id,
                                       const std::vector<std::string>& argv, const RunOptions& options,
                                       bool keep_stdin_open, std::jthread* stdin_writer);

/// Delivers `signal` to every process in the container carrying the exec's token (the command
/// and all its children), from a second exec run as the same user. Best effort; never throws
/// for a container that is gone. With `wait_for_start`, a process that has not started its
/// command yet (right after exec start) is waited for, up to about 1 s.
void signal_exec(EngineClient& engine, const std::string& container_id, const std::string& token,
                 const std::string& user, int signal, bool wait_for_start = false) noexcept;

/// As signal_exec, for every process whose environment holds `variable=token` (sessions mark
/// each command's processes with their own variable).
void signal_processes(EngineClient& engine, const std::string& container_id, const std::string& variable,
                      const std::string& token, const std::string& user, int signal,
                      bool wait_for_start = false) noexcept;

/// Exit code of a finished exec (retries briefly while the engine still says Running).
/// Returns -1 if unknown.
[[nodiscard]] int exit_code_after_eof(EngineClient& engine, const std::string& exec_id);

/// Reads from an exec connection and demultiplexes; `sink(type, payload)`.
class ExecReader {
 public:
  explicit ExecReader(UpgradedStream stream) : stream_(std::move(stream)) {}

  /// Reads once (blocking up to `deadline`) and feeds the sink. Returns false at end of stream.
  /// @throws TimeoutError at the deadline; SocketCommunicationError if the stream is cut inside
  ///         a frame.
  template <class Sink>
  bool pump(Deadline deadline, Sink&& sink) {
    if (!stream_.leftover.empty()) {
      std::string pending = std::move(stream_.leftover);
      stream_.leftover.clear();
      demux_.feed(pending, sink);
      return true;
    }
    std::size_t n = stream_.conn.read_some(buffer_, sizeof buffer_, deadline);
    if (n == 0) {
      eof_ = true;
      if (!demux_.at_frame_boundary()) cut_ = true;
      return false;
    }
    demux_.feed(std::string_view(buffer_, n), sink);
    return true;
  }

  [[nodiscard]] bool eof() const noexcept { return eof_; }
  /// The stream ended inside a frame (the engine or the connection broke).
  [[nodiscard]] bool cut_mid_frame() const noexcept { return cut_; }
  [[nodiscard]] UnixConnection& connection() noexcept { return stream_.conn; }

 private:
  UpgradedStream stream_;
  Demuxer demux_;
  bool eof_ = false;
  bool cut_ = false;
  char buffer_[64 * 1024];
};

/// Discards output until EOF or `deadline` (after a kill). Returns true if EOF was reached.
bool drain_until_eof(ExecReader& reader, Deadline deadline) noexcept;

/// The blocking run: output collected up to `max_output`, killed at the timeout or the cap.
[[nodiscard]] ExecResult run_to_completion(EngineClient& engine, const std::string& container_id,
                                           const Command& command, const RunOptions& options,
                                           std::chrono::milliseconds default_timeout);

}  // namespace pocketdock::detail
