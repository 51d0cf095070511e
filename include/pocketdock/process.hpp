#pragma once
/// @file process.hpp
/// `Process`: a command running in the background, from `Container::spawn`.

#include <pocketdock/types.hpp>

#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <string>

namespace pocketdock {

class Container;

namespace detail {
class ProcessImpl;
}  // namespace detail

/// A detached (background) command. A reader thread owned by the process reads its output as
/// it arrives into a ring buffer (`SpawnOptions::buffer_capacity`, default 1 MiB, half per
/// stream, oldest bytes evicted) and fires the container's `on_stdout` / `on_stderr` callbacks;
/// when the command ends it fires `on_exit`, then wakes `wait()`.
///
/// `SpawnOptions::run.timeout`, when set, kills the command after that long (`wait()` then
/// reports `timed_out`); unset, the command runs until it ends, is killed, or the container
/// shuts down (the container's default timeout does not apply). `max_output` is not used: the
/// ring buffer bounds memory.
///
/// Destroying the handle kills the command and its children (SIGKILL) unless `detach()` was
/// called. After `detach()` the command keeps running and its output keeps being read (and
/// callbacks fired) until it ends or the container shuts down; the container's shutdown always
/// ends it.
///
/// Thread-safety: every method may be called from any thread, concurrently. Do not call
/// `wait()` from a callback (it would wait for its own thread; it throws InvalidArgument).
class Process {
 public:
  Process(Process&&) noexcept;
  /// Ends the process held before (as the destructor does), then takes `other`'s.
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  /// Kills the command unless detached; waits (bounded) for the reader thread. Never throws.
  ~Process();

  /// The engine's exec id.
  [[nodiscard]] const std::string& id() const;

  /// Asks the engine whether the command is still running (false once it exited, even if a
  /// background child still holds its output open).
  /// @throws SocketError, TimeoutError if the engine does not answer.
  [[nodiscard]] bool is_running() const;

  /// Delivers `signal` to the command and every process it started, even those that cleared
  /// their environment, called `setsid` or double-forked (see README, "What a kill ends"), from a
  /// second exec run as the same user. SIGTERM, SIGINT, SIGHUP and SIGQUIT ask the command to
  /// end: whatever of it is still there 1 s later (a trap that ignores the signal) gets SIGKILL,
  /// so kill() returns once the command is gone (after at most about 1 s plus an exec). Other
  /// signals are only delivered. A command that has already ended is left alone. Never throws
  /// for a container that is gone. @throws InvalidArgument for a signal outside 1-64 (before
  /// any engine call).
  void kill(int signal = SIGTERM);

  /// Waits for the command to end and returns its exit code (-1 if unknown, e.g. ended by the
  /// container's shutdown), duration, `timed_out`, and the output still buffered (not yet
  /// drained by `read()`). `on_exit` callbacks have run when it returns.
  /// @throws TimeoutError if `timeout` passes first (the command keeps running);
  ///         InvalidArgument if called from one of this container's callbacks.
  [[nodiscard]] ExecResult wait(std::optional<std::chrono::milliseconds> timeout = {});

  /// The buffered output; the buffer is then empty.
  [[nodiscard]] BufferSnapshot read();
  /// The buffered output, left in the buffer.
  [[nodiscard]] BufferSnapshot peek() const;
  /// Bytes buffered (stdout + stderr).
  [[nodiscard]] std::size_t buffer_size() const;
  /// True once any output was evicted from the ring buffer (sticky).
  [[nodiscard]] bool buffer_overflow() const;

  /// Lets the command outlive this handle (not the container). Idempotent.
  void detach();

 private:
  friend class Container;
  explicit Process(std::shared_ptr<detail::ProcessImpl> impl) noexcept;
  [[nodiscard]] detail::ProcessImpl& impl() const;
  std::shared_ptr<detail::ProcessImpl> impl_;
};

}  // namespace pocketdock
