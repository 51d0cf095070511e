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

struct ContainerState;

/// `digits` lowercase hex digits from the OS CSPRNG (getrandom(2)); 32 digits are 128 bits.
/// @throws SocketCommunicationError if the kernel gives no randomness (never in practice).
[[nodiscard]] std::string random_hex(std::size_t digits);

/// Whether the container's commands run under the engine's init as a child subreaper, so that
/// nothing they start (setsid, double fork, a cleared environment) leaves their process tree.
/// Decided once per container: from its runtime when known, else by a probe exec.
[[nodiscard]] bool supervised_execs(ContainerState& state);

/// A started exec: its id, its token, and its hijacked connection.
struct LaunchedExec {
  std::string exec_id;
  std::string token;
  std::string user;         ///< the user it runs as ("" = the container's), used again to signal it
  bool supervised = false;  ///< runs under a subreaper supervisor (see supervised_execs)
  UpgradedStream stream;
  Clock::time_point started;
};

/// Creates and starts an attached exec (under the supervisor when `supervised`). Unless
/// `keep_stdin_open`, `options.input` (if any) is written by a background writer and stdin is
/// half-closed so the command sees EOF.
[[nodiscard]] LaunchedExec launch_exec(EngineClient& engine, const std::string& container_id,
                                       const std::vector<std::string>& argv, const RunOptions& options,
                                       bool keep_stdin_open, std::jthread* stdin_writer, bool supervised);

/// Which processes a signal goes to, and how hard to insist.
struct SignalRequest {
  /// The processes whose environment holds `variable=token`, and every descendant of theirs.
  std::string variable = kExecTokenVar;
  std::string token;
  std::string user;  ///< the signalling exec runs as this user (the command's)
  int signal = SIGKILL;
  /// Rescan for about 3 s until a process matches (an exec that was just started: under load
  /// the engine may take that long to start its command).
  bool wait_for_start = false;
  /// The token holder whose parent is outside the container is the exec's supervisor: a signal
  /// other than SIGKILL is not sent to it (it would forward it a second time).
  bool supervised = false;
  /// After a signal other than SIGKILL: SIGKILL whatever is left after this long (0: never).
  std::chrono::milliseconds escalate_after{0};
  /// Sessions: also every process below the session's supervisor (`session_holder`, a
  /// "VAR=token" entry of its environment) that started at `session_since` or later, the
  /// session's shell excepted: the orphans a command left (setsid, a double fork) land there.
  /// The instant is turned into the container's clock by a round trip with the signalling exec
  /// (it reads its clock, then is told how long ago `session_since` was), so it errs early.
  std::string session_holder;
  Clock::time_point session_since{};
};

/// Signals what `request` names from a second exec, run as the same user. SIGKILL stops the
/// whole set first (SIGSTOP, rescanning until no new process appears) and then kills it, so a
/// process cannot fork its way out. Best effort and bounded; never throws (a container that is
/// gone has nothing left to signal).
void signal_processes(EngineClient& engine, const std::string& container_id, const SignalRequest& request) noexcept;

/// SIGKILL for the exec marked with `token` and everything it started (see SignalRequest).
void kill_exec(EngineClient& engine, const std::string& container_id, const std::string& token, const std::string& user,
               bool supervised, bool wait_for_start) noexcept;

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

/// Whether a command that ended by SIGKILL (137) was killed by the container's memory limit:
/// true if the OOM-kill count of the container's memory cgroup exceeds the kills already
/// reported, one of which it then claims. Neither engine reports an exec's OOM kill (Docker's
/// `oom` event names no exec, Podman has none), so the count is read inside the container:
/// `oom_kill` of cgroup v1 `memory.oom_control` or v2 `memory.events`. False where neither is
/// readable. Before the first command of a handle to a container made elsewhere, call
/// `note_oom_kills` so earlier kills are not claimed.
[[nodiscard]] bool claim_oom_kill(ContainerState& state) noexcept;
/// Records the container's current OOM-kill count as already reported, unless known.
void note_oom_kills(ContainerState& state) noexcept;

/// The blocking run: output collected up to `max_output`, killed at the timeout or the cap.
[[nodiscard]] ExecResult run_to_completion(EngineClient& engine, const std::string& container_id,
                                           const Command& command, const RunOptions& options,
                                           std::chrono::milliseconds default_timeout, bool supervised = false);

}  // namespace pocketdock::detail
