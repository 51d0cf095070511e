#pragma once
/// @file session.hpp
/// `Session`: a persistent shell in a container whose working directory, variables and functions
/// survive between commands. Made by `Container::session()`.

#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pocketdock {

namespace detail {
class SessionCore;
}

/// Options of `Container::session`.
struct SessionOptions {
  /// Shell to run (e.g. "bash", "sh", "/bin/ash"); empty picks bash, or sh where the image has none.
  std::string shell;
  /// Extra environment variables of the shell (and so of every command).
  std::map<std::string, std::string> env;
  /// Initial working directory; empty means the container's.
  std::string workdir;
  /// Cap on the bytes kept for one `send_and_wait` result (stdout+stderr); beyond it the result is
  /// `truncated` and the rest is discarded (the command keeps running to its end).
  std::size_t max_output = kDefaultMaxOutput;
  /// Cap on the output kept for `read()`; the oldest bytes are dropped beyond it.
  std::size_t buffer_capacity = kDefaultBufferCapacity;
};

/// A long-lived shell (one exec with stdin attached). Move-only; the destructor closes it.
/// Commands run one after another in the same shell process, so `cd`, `export` and functions
/// persist; `Container::run()` does not see that state. Every command's stdin is /dev/null.
/// Thread-safe: several threads may use one Session; `send_and_wait` calls run one at a time.
/// In a persistent container of a project, `logs/session-<ts>.log` of its instance directory
/// records every command of `send` and `send_and_wait` (the reference logs only `send`) and all
/// output; a failing log stops logging, never the session.
class Session {
 public:
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  /// The engine's exec id of the shell.
  [[nodiscard]] const std::string& id() const;

  /// Runs `command` without waiting. Its output goes to `read()` and the `on_output` callbacks.
  /// @throws SessionClosed, InvalidArgument (a NUL byte in the command), SocketError.
  void send(std::string_view command);

  /// Runs `command` and waits for it: the result holds exactly its stdout, its stderr and its exit
  /// status. At `timeout` (unset: the container's default timeout) the command and its children
  /// are killed and the result is `timed_out` with exit code -1 and the output so far; the session
  /// stays usable (the next call first waits, up to 3 s, for the killed command to end). If the shell ends (the command
  /// ran `exit`), the result carries the shell's exit status and later calls throw SessionClosed.
  /// @throws SessionClosed (closed, or unusable because a timed-out command could not be
  ///         interrupted), InvalidArgument, SocketError.
  [[nodiscard]] ExecResult send_and_wait(std::string_view command,
                                         std::optional<std::chrono::milliseconds> timeout = {});

  /// Drains all output received so far (stdout and stderr of every command, in arrival order,
  /// without protocol markers). Never throws; after close it returns what was left.
  [[nodiscard]] std::string read();

  /// Calls `callback(data)` for every piece of output from now on. Callbacks run on the session's
  /// reader thread, one at a time and in arrival order, and a command's output reaches them
  /// before its `send_and_wait` returns; exceptions they throw are ignored. A callback must not
  /// call `send_and_wait` or `close()`, nor destroy the Session.
  /// @throws SessionClosed
  void on_output(std::function<void(std::string_view data)> callback);

  /// Ends the shell and every process it started. Idempotent; never throws. Does not stop the
  /// container.
  void close() noexcept;

  /// False after close(), after the shell ended, or once the session became unusable.
  [[nodiscard]] bool is_open() const;

 private:
  friend class Container;
  explicit Session(std::shared_ptr<detail::SessionCore> core);
  std::shared_ptr<detail::SessionCore> core_;
};

}  // namespace pocketdock
