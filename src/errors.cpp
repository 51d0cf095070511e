#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <utility>

namespace pocketdock {
namespace {

std::string with_context(const std::string& message, const ErrorContext& ctx) {
  if (ctx.operation.empty() && ctx.engine_message.empty()) return message;
  std::string out = message + " [";
  if (!ctx.operation.empty()) out += ctx.operation;
  if (ctx.http_status != 0) out += fmt::format("{}HTTP {}", ctx.operation.empty() ? "" : ", ", ctx.http_status);
  if (!ctx.engine_message.empty() && message.find(ctx.engine_message) == std::string::npos) {
    out += fmt::format("{}engine: {}", ctx.operation.empty() && ctx.http_status == 0 ? "" : "; ", ctx.engine_message);
  }
  out += "]";
  return out;
}

std::string join_detail(const std::string& head, const std::string& detail) {
  return detail.empty() ? head : head + ": " + detail;
}

std::string not_running_message(const std::vector<EngineCandidate>& candidates) {
  std::string msg = "No container engine socket found. Is Podman or Docker running?";
  for (const auto& c : candidates) msg += fmt::format("\n  - {} ({}): {}", c.socket_path, c.source, c.reason);
  msg +=
      "\nStart one, e.g. `podman system service --time=0 unix:///run/podman/podman.sock &` or `dockerd &`"
      " (or `systemctl --user start podman.socket`), or point POCKETDOCK_SOCKET at a running engine's socket.";
  return msg;
}

}  // namespace

PocketDockError::PocketDockError(const std::string& message, ErrorContext context)
    : std::runtime_error(with_context(message, context)), context_(std::move(context)) {}

SocketConnectionError::SocketConnectionError(std::string socket_path, const std::string& detail, ErrorContext context)
    : SocketError(join_detail("Cannot connect to socket at " + socket_path, detail), std::move(context)),
      socket_path_(std::move(socket_path)) {}

SocketCommunicationError::SocketCommunicationError(const std::string& detail, ErrorContext context)
    : SocketError(join_detail("Socket communication error", detail), std::move(context)) {}

PodmanNotRunning::PodmanNotRunning(std::vector<EngineCandidate> candidates)
    : SocketError(not_running_message(candidates)), candidates_(std::move(candidates)) {}

ContainerError::ContainerError(const std::string& container_id, const std::string& detail, ErrorContext context)
    : PocketDockError(join_detail("Container " + container_id, detail), [&] {
        if (context.container_id.empty()) context.container_id = container_id;
        return std::move(context);
      }()) {}

ContainerNotFound::ContainerNotFound(const std::string& container_id, ErrorContext context)
    : ContainerError(container_id, "not found", std::move(context)) {}

ContainerNotFound::ContainerNotFound(const std::string& container_id, const std::string& detail, ErrorContext context)
    : ContainerError(container_id, detail, std::move(context)) {}

ContainerNotRunning::ContainerNotRunning(const std::string& container_id, ErrorContext context)
    : ContainerError(container_id, "is not running", std::move(context)) {}

ContainerGone::ContainerGone(const std::string& container_id, ErrorContext context)
    : ContainerNotFound(container_id, "was removed externally (the engine no longer has it)", std::move(context)) {}

ContainerNameInUse::ContainerNameInUse(const std::string& name, ErrorContext context)
    : ContainerError(name, "name is already in use by another container", std::move(context)) {}

ImageNotFound::ImageNotFound(std::string image, ErrorContext context)
    : PocketDockError("Image not found: " + image, std::move(context)), image_(std::move(image)) {}

UnsafeArchive::UnsafeArchive(const std::string& message, std::vector<std::string> rejected, ErrorContext context)
    : PocketDockError(message, std::move(context)), rejected_(std::move(rejected)) {}

SessionClosed::SessionClosed(const std::string& detail, ErrorContext context)
    : PocketDockError(detail, std::move(context)) {}

ProjectNotInitialized::ProjectNotInitialized()
    : PocketDockError("No .pocketdock/ project directory found. Run `pocketdock init` first.") {}

}  // namespace pocketdock
