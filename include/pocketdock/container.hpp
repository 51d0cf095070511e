#pragma once
/// @file container.hpp
/// `Container`: a move-only handle to one engine container, and `create_new_container`.

#include <pocketdock/command.hpp>
#include <pocketdock/engine.hpp>
#include <pocketdock/errors.hpp>
#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace pocketdock {

namespace detail {
struct ContainerState;
struct ContainerAccess;
}  // namespace detail

/// A running sandbox. Move-only; destroying a handle of a non-persistent container removes the
/// container (errors are swallowed: call `shutdown()` to see them). All methods are thread-safe:
/// several threads may use one Container at once.
class Container {
 public:
  Container(Container&&) noexcept;
  Container& operator=(Container&&) noexcept;
  Container(const Container&) = delete;
  Container& operator=(const Container&) = delete;
  ~Container();

  /// The pocketdock name (also the engine-level container name).
  [[nodiscard]] const std::string& name() const;
  /// The full engine id; changes after `reboot(true)`.
  [[nodiscard]] std::string id() const;
  [[nodiscard]] const std::string& socket_path() const;
  [[nodiscard]] const EngineInfo& engine() const;
  [[nodiscard]] bool persist() const;
  /// Project name, or "" if none.
  [[nodiscard]] const std::string& project() const;
  /// Instance directory of a persistent container in a project, or "" if none.
  [[nodiscard]] const std::string& data_path() const;
  /// Default timeout of blocking runs.
  [[nodiscard]] std::chrono::milliseconds default_timeout() const;

  /// Runs a command to completion. The command and all its children are killed at the timeout
  /// (`timed_out`, exit code -1, output so far) or when `max_output` bytes of stdout+stderr have
  /// arrived (`truncated`, exactly `max_output` bytes kept).
  /// @throws ContainerNotFound, ContainerNotRunning, SocketError, TimeoutError (engine silent).
  [[nodiscard]] ExecResult run(const Command& command, const RunOptions& options = {});

  // ----- exec modes: stream, spawn, callbacks (exec_stream.hpp, process.hpp) -----

  // ----- end of exec modes -----

  // ----- sessions (session.hpp) -----

  // ----- end of sessions -----

  // ----- files (files.hpp) -----

  // ----- end of files -----

  // ----- lifecycle: info, reboot, snapshot -----

  /// A live snapshot of the container's state. A stopped container gives empty usage fields
  /// (memory "", cpu 0, pids 0, no processes), not an error. Takes about 0.5-1 s (two CPU
  /// samples). @throws ContainerNotFound, SocketError, TimeoutError.
  [[nodiscard]] ContainerInfo info();
  /// Restarts the container. In place (`fresh = false`) keeps the filesystem and the id; fresh
  /// recreates it from its image with the same name, volumes, devices, limits, ports, labels and
  /// env (a new id; the instance metadata is updated). Ends every session, stream and process.
  void reboot(bool fresh = false);
  /// Commits the container's filesystem to `image` ("repo", "repo:tag", "registry:5000/repo");
  /// the tag defaults to "latest". Returns the new image id. @throws InvalidArgument, ContainerNotFound.
  std::string snapshot(const std::string& image, const SnapshotOptions& options = {});
  /// Published ports as the engine bound them: host port -> container port (random host ports
  /// resolved). Empty for a container that is not running and has no fixed host ports.
  [[nodiscard]] std::map<int, int> ports();

  // ----- end of lifecycle -----

  /// Ends the container's sessions, streams and processes; then stops a persistent container or
  /// removes an ephemeral one. Idempotent. `force` removes without a graceful stop.
  void shutdown(bool force = false);

 private:
  friend struct detail::ContainerAccess;
  explicit Container(std::shared_ptr<detail::ContainerState> state);
  [[nodiscard]] detail::ContainerState& state() const;
  std::shared_ptr<detail::ContainerState> state_;
};

/// Creates and starts a container. If starting fails, the created container is removed.
/// @throws InvalidArgument (bad option), PodmanNotRunning, ImageNotFound, ContainerNameInUse,
///         SocketError, TimeoutError.
[[nodiscard]] Container create_new_container(const CreateOptions& options = {});

}  // namespace pocketdock
