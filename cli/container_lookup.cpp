#include "container_lookup.hpp"

#include <algorithm>
#include <cctype>

namespace pocketdock::cli {

FoundContainer find_container(const std::string& name, const EngineOptions& engine_options) {
  auto engine = detail::EngineClient::connect(engine_options);
  auto list = engine->list_containers("pocketdock.instance=" + name);
  if (list.empty()) throw ContainerNotFound(name);
  const auto& item = list.front();
  FoundContainer found;
  found.engine = engine;
  found.id = item.value("Id", "");
  found.name = name;
  found.state = item.value("State", "unknown");
  std::transform(found.state.begin(), found.state.end(), found.state.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (item.contains("Labels") && item["Labels"].is_object()) {
    for (const auto& [k, v] : item["Labels"].items()) {
      if (v.is_string()) found.labels[k] = v.get<std::string>();
    }
  }
  if (found.id.empty()) throw ContainerNotFound(name);
  return found;
}

}  // namespace pocketdock::cli
