#pragma once
// Finding a container by its pocketdock name WITHOUT starting it (the reference resumes it, which
// starts a stopped container as a side effect). To be replaced by attach_container
// (persistence.hpp) once that exists.

#include "engine_api.hpp"

#include <pocketdock/options.hpp>

#include <map>
#include <memory>
#include <string>

namespace pocketdock::cli {

struct FoundContainer {
  std::shared_ptr<detail::EngineClient> engine;
  std::string id;     ///< full engine id
  std::string name;   ///< the pocketdock.instance label
  std::string state;  ///< "running", "exited", ... (lower case, from the list)
  std::map<std::string, std::string> labels;
};

/// The first container labelled `pocketdock.instance=<name>`.
/// @throws ContainerNotFound if there is none; PodmanNotRunning, SocketError, TimeoutError.
[[nodiscard]] FoundContainer find_container(const std::string& name, const EngineOptions& engine);

}  // namespace pocketdock::cli
