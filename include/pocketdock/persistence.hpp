#pragma once
/// @file persistence.hpp
/// Managing containers by their pocketdock name (label `pocketdock.instance`), across processes
/// and across the Python and C++ libraries.

#include <pocketdock/container.hpp>
#include <pocketdock/engine.hpp>
#include <pocketdock/types.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace pocketdock {

/// Options of the management functions.
struct ManageOptions {
  EngineOptions engine;
  /// Restricts list/prune to one project (label `pocketdock.project`); for the by-name calls, a
  /// container of another project is treated as not found.
  std::optional<std::string> project;
  /// Default timeout of blocking runs on a resumed or attached handle.
  std::chrono::milliseconds timeout = std::chrono::seconds(30);
};

/// A handle to an existing container, started if it is stopped. Its destructor behaves as for a
/// created one (a persistent container is stopped, an ephemeral one removed).
/// @throws ContainerNotFound, PodmanNotRunning, SocketError.
[[nodiscard]] Container resume_container(const std::string& name, const ManageOptions& options = {});

/// A handle to an existing container that is not started, and whose destructor leaves the
/// container as it is; an explicit `shutdown()` still works. @throws ContainerNotFound.
[[nodiscard]] Container attach_container(const std::string& name, const ManageOptions& options = {});

/// Stops a container (already stopped is fine); it is not removed. @throws ContainerNotFound.
void stop_container(const std::string& name, const ManageOptions& options = {});

/// Removes a container, running or not, and deletes its instance directory (label
/// `pocketdock.data-path`) when that is a project's `instances/<name>` whose `instance.toml`
/// names this container; any other path in the label is ignored (labels come from the engine,
/// and an image can carry ours). @throws ContainerNotFound, InvalidArgument (a bad name).
void destroy_container(const std::string& name, const ManageOptions& options = {});

/// Managed containers, running or not; only one project's with `options.project`. A container
/// is managed when its `pocketdock.instance` label is its own name, or was set at its create
/// rather than inherited from its image.
[[nodiscard]] std::vector<ContainerListItem> list_containers(const ManageOptions& options = {});

/// Removes every managed container that is not running (only one project's with
/// `options.project`). Instance directories are kept. Returns how many were removed.
int prune(const ManageOptions& options = {});

}  // namespace pocketdock
