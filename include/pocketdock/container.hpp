#pragma once
/// @file container.hpp
/// `Container`: a move-only handle to one engine container, and `create_new_container`.

#include <pocketdock/command.hpp>
#include <pocketdock/engine.hpp>
#include <pocketdock/errors.hpp>
#include <pocketdock/exec_stream.hpp>
#include <pocketdock/files.hpp>
#include <pocketdock/options.hpp>
#include <pocketdock/process.hpp>
#include <pocketdock/session.hpp>
#include <pocketdock/types.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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

  /// Starts a command and returns its output as a range of chunks (see ExecStream): timeout
  /// (unset: the container's default) and `max_output` are honoured by killing the command.
  /// @throws InvalidArgument, ContainerNotFound, ContainerNotRunning, SocketError, TimeoutError.
  [[nodiscard]] ExecStream stream(const Command& command, const RunOptions& options = {});

  /// Starts a command in the background (see Process). Never uses a `Detach: true` exec.
  /// @throws InvalidArgument, ContainerNotFound, ContainerNotRunning, SocketError, TimeoutError.
  [[nodiscard]] Process spawn(const Command& command, const SpawnOptions& options = {});

  /// Registers a callback for the stdout output of every process spawned on this container
  /// (before or after registration), called with each piece of output as it arrives. Callbacks
  /// run on the process's reader thread, in registration order; one that throws is skipped and
  /// the others and the reader go on. They do not apply to `run` or `stream`. Keep them short:
  /// the process's output is not read while they run.
  void on_stdout(std::function<void(std::string_view data)> fn);
  /// As `on_stdout`, for stderr.
  void on_stderr(std::function<void(std::string_view data)> fn);
  /// Registers a callback called with the exit code (-1 if unknown) when a spawned process
  /// ends, on its reader thread, before its `wait()` returns.
  void on_exit(std::function<void(int exit_code)> fn);

  // ----- end of exec modes -----

  // ----- sessions (session.hpp) -----

  /// Opens a persistent shell (bash, or sh where the image has none; see SessionOptions).
  /// `shutdown()` closes the container's sessions.
  /// @throws ContainerNotRunning (after shutdown), SessionClosed (the shell did not start),
  ///         SocketError, TimeoutError.
  [[nodiscard]] Session session(const SessionOptions& options = {});

  // ----- end of sessions -----

  // ----- files (files.hpp) -----
  /// Writes `data` (exact bytes) to the absolute `path`, creating missing parents and replacing
  /// an existing file; the file gets `mode`. See files.hpp for the semantics.
  /// @throws InvalidArgument (relative path, NUL byte, a directory at `path`, a parent that is a file),
  /// ContainerNotFound,
  ///         SocketError, TimeoutError
  void write_file(const std::string& path, std::string_view data, int mode = 0644);
  /// The bytes of the file at `path` (a symlink is followed), at most `options.max_size` of them.
  /// @throws FileNotFound (missing), FileTooLarge (bigger than `options.max_size`, thrown before
  ///         the bytes are read), InvalidArgument (a directory, a relative path), ContainerNotFound
  [[nodiscard]] std::string read_file(const std::string& path, const ReadOptions& options = {});
  /// Streams the bytes of the file at `path` to `sink`, piece by piece as they arrive (memory
  /// does not grow with the file's size; no cap). `sink` runs on the calling thread; an
  /// exception it throws ends the transfer and reaches the caller.
  /// @throws as `read_file`, without FileTooLarge
  void read_file_to(const std::string& path, const std::function<void(std::string_view data)>& sink);
  /// Names in a directory, hidden ones included, without "." and "..". `path` must be absolute.
  /// @throws InvalidArgument (relative path, NUL byte), FileNotFound (missing path),
  ///         ContainerNotFound, ContainerNotRunning
  [[nodiscard]] std::vector<std::string> list_files(const std::string& path = "/home/sandbox");
  /// `list_files` with each entry's type, size, mode, mtime and symlink target.
  [[nodiscard]] std::vector<FileEntry> list_entries(const std::string& path = "/home/sandbox");
  /// Copies a host file or directory into the container (docker cp semantics, see files.hpp).
  /// @throws FileNotFound (missing host_src), InvalidArgument, ContainerNotFound, SocketError
  void push(const std::filesystem::path& host_src, const std::string& dest);
  /// Copies a container file or directory to the host with safe extraction (see files.hpp),
  /// streaming (memory does not grow with the size). Modes are sanitized unless
  /// `options.exact_modes`.
  /// @throws FileNotFound, UnsafeArchive (after extracting the safe entries), ContainerNotFound
  void pull(const std::string& src, const std::filesystem::path& host_dest, const PullOptions& options = {});

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
