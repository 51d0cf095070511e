#pragma once
/// @file errors.hpp
/// The exception tree. Every failure that leaves pocketdock is a PocketDockError carrying the
/// operation, the container id when known, and the engine's own message.

#include <stdexcept>
#include <string>
#include <vector>

namespace pocketdock {

/// Where a failure happened. Empty fields are unknown.
struct ErrorContext {
  std::string operation;       ///< e.g. "exec create"
  std::string container_id;    ///< id or name of the container involved
  std::string engine_message;  ///< the engine's `message` text, verbatim
  int http_status = 0;         ///< HTTP status of the failed call, 0 if none
};

/// Root of all pocketdock errors.
class PocketDockError : public std::runtime_error {
 public:
  explicit PocketDockError(const std::string& message, ErrorContext context = {});
  [[nodiscard]] const ErrorContext& context() const noexcept { return context_; }
  [[nodiscard]] const std::string& operation() const noexcept { return context_.operation; }
  [[nodiscard]] const std::string& container_id() const noexcept { return context_.container_id; }
  [[nodiscard]] const std::string& engine_message() const noexcept { return context_.engine_message; }
  [[nodiscard]] int http_status() const noexcept { return context_.http_status; }

 private:
  ErrorContext context_;
};

/// A caller passed a value pocketdock rejects before any engine call.
class InvalidArgument : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// An engine call or a wait passed its deadline.
class TimeoutError : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// Talking to the engine socket failed.
class SocketError : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// connect() to the socket failed. Message: "Cannot connect to socket at {path}: {detail}".
class SocketConnectionError : public SocketError {
 public:
  SocketConnectionError(std::string socket_path, const std::string& detail, ErrorContext context = {});
  [[nodiscard]] const std::string& socket_path() const noexcept { return socket_path_; }

 private:
  std::string socket_path_;
};

/// The engine answered something unusable, or the connection broke mid-call.
/// Message: "Socket communication error: {detail}".
class SocketCommunicationError : public SocketError {
 public:
  explicit SocketCommunicationError(const std::string& detail, ErrorContext context = {});
};

/// One engine socket that was tried and why it was not used.
struct EngineCandidate {
  std::string socket_path;
  std::string source;  ///< where the path came from, e.g. "POCKETDOCK_SOCKET"
  std::string reason;  ///< why it failed, e.g. "no such socket"
};

/// No engine answered. The message lists every candidate and how to start an engine.
class PodmanNotRunning : public SocketError {
 public:
  explicit PodmanNotRunning(std::vector<EngineCandidate> candidates);
  [[nodiscard]] const std::vector<EngineCandidate>& candidates() const noexcept { return candidates_; }

 private:
  std::vector<EngineCandidate> candidates_;
};

/// A container-level failure. Message: "Container {id}: {detail}".
class ContainerError : public PocketDockError {
 public:
  ContainerError(const std::string& container_id, const std::string& detail, ErrorContext context = {});
};

/// The engine has no such container: a lookup by name found none (a handle whose container
/// disappeared gets the derived ContainerGone).
class ContainerNotFound : public ContainerError {
 public:
  explicit ContainerNotFound(const std::string& container_id, ErrorContext context = {});

 protected:
  ContainerNotFound(const std::string& container_id, const std::string& detail, ErrorContext context);
};

/// The container exists but is not running.
class ContainerNotRunning : public ContainerError {
 public:
  explicit ContainerNotRunning(const std::string& container_id, ErrorContext context = {});
};

/// The container a handle refers to (by the id the engine gave it) was removed behind its back:
/// any call of a Container, Session, Process or ExecStream whose container the engine no longer
/// has. A ContainerNotFound, so code that catches that one keeps working.
class ContainerGone : public ContainerNotFound {
 public:
  explicit ContainerGone(const std::string& container_id, ErrorContext context = {});
};

/// The requested container name is taken by another container.
class ContainerNameInUse : public ContainerError {
 public:
  explicit ContainerNameInUse(const std::string& name, ErrorContext context = {});
};

/// The engine has no such image. Message: "Image not found: {image}".
class ImageNotFound : public PocketDockError {
 public:
  explicit ImageNotFound(std::string image, ErrorContext context = {});
  [[nodiscard]] const std::string& image() const noexcept { return image_; }

 private:
  std::string image_;
};

/// A path does not exist in the container (or on the host, for push).
class FileNotFound : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// A file is bigger than the limit of the call that reads it into memory (`ReadOptions::max_size`);
/// thrown from the size the engine announces, before the bytes are read. Stream it instead
/// (`Container::read_file_to` or `Container::pull`).
class FileTooLarge : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// A write found no room in the container (a full tmpfs mount, say). The partial file is removed:
/// nothing half-written is left or reported as written.
class NoSpaceLeft : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// An archive from the engine held entries that would land outside the destination.
class UnsafeArchive : public PocketDockError {
 public:
  UnsafeArchive(const std::string& message, std::vector<std::string> rejected, ErrorContext context = {});
  [[nodiscard]] const std::vector<std::string>& rejected_entries() const noexcept { return rejected_; }

 private:
  std::vector<std::string> rejected_;
};

/// A session was used after it closed, or its shell ended.
class SessionClosed : public PocketDockError {
 public:
  explicit SessionClosed(const std::string& detail = "session is closed", ErrorContext context = {});
};

/// No `.pocketdock/pocketdock.yaml` was found.
class ProjectNotInitialized : public PocketDockError {
 public:
  ProjectNotInitialized();
};

/// An image build failed; the message is the engine's.
class BuildError : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

}  // namespace pocketdock
