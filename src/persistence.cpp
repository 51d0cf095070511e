// resume/attach/stop/destroy/list/prune by pocketdock name, with the reference's labels.
#include "container_info.hpp"
#include "container_state.hpp"

#include <pocketdock/persistence.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace pocketdock {
namespace {

using nlohmann::json;

std::string label_of(const json& item, const char* key) {
  const json* labels = nullptr;
  if (item.contains("Labels") && item["Labels"].is_object()) labels = &item["Labels"];
  if (labels == nullptr || !labels->contains(key) || !(*labels)[key].is_string()) return {};
  return (*labels)[key].get<std::string>();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string state_of(const json& item) {
  return item.contains("State") && item["State"].is_string() ? item["State"].get<std::string>() : std::string();
}

std::string list_filter(const ManageOptions& o) {
  return o.project ? "pocketdock.project=" + *o.project : std::string("pocketdock.managed=true");
}

// The first container labelled with this pocketdock name (of the project, if one is given).
json find_by_name(detail::EngineClient& engine, const std::string& name, const ManageOptions& o) {
  for (const auto& item : engine.list_containers("pocketdock.instance=" + name)) {
    if (o.project && label_of(item, "pocketdock.project") != *o.project) continue;
    return item;
  }
  throw ContainerNotFound(name, {.operation = "container lookup", .container_id = name});
}

Container make_handle(std::shared_ptr<detail::EngineClient> engine, const std::string& name, const json& inspect,
                      const ManageOptions& o, bool attached) {
  auto state = std::make_shared<detail::ContainerState>();
  state->engine = std::move(engine);
  state->name = name;
  state->create_options = detail::create_options_from_inspect(inspect);
  state->create_options.name = name;
  state->create_options.timeout = o.timeout;
  state->create_options.engine = o.engine;
  state->image = state->create_options.image;
  state->timeout = o.timeout;
  state->persist = state->create_options.persist;
  state->project = state->create_options.project.value_or("");
  state->data_path = label_of(inspect.value("Config", json::object()), "pocketdock.data-path");
  state->id = inspect.value("Id", std::string());
  state->attached = attached;
  return detail::ContainerAccess::make(std::move(state));
}

Container open_container(const std::string& name, const ManageOptions& o, bool start) {
  auto engine = detail::EngineClient::connect(o.engine);
  json item = find_by_name(*engine, name, o);
  std::string id = item.value("Id", std::string());
  if (start && lower(state_of(item)) != "running") engine->start_container(id);
  return make_handle(engine, name, engine->inspect_container(id), o, !start);
}

}  // namespace

namespace detail {

ContainerListItem list_item_from_engine(const json& item) {
  ContainerListItem li;
  std::string id = item.contains("Id") && item["Id"].is_string() ? item["Id"].get<std::string>() : std::string();
  li.id = id.substr(0, 12);
  li.name = label_of(item, "pocketdock.instance");
  if (li.name.empty() && item.contains("Names") && item["Names"].is_array() && !item["Names"].empty() &&
      item["Names"][0].is_string()) {
    li.name = item["Names"][0].get<std::string>();
    li.name.erase(0, li.name.find_first_not_of('/'));
  }
  li.status = state_of(item);
  if (li.status.empty()) li.status = "unknown";
  li.image = item.contains("Image") && item["Image"].is_string() ? item["Image"].get<std::string>() : std::string();
  li.created_at = label_of(item, "pocketdock.created-at");
  li.persist = lower(label_of(item, "pocketdock.persist")) == "true";
  li.project = label_of(item, "pocketdock.project");
  return li;
}

}  // namespace detail

Container resume_container(const std::string& name, const ManageOptions& options) {
  return open_container(name, options, true);
}

Container attach_container(const std::string& name, const ManageOptions& options) {
  return open_container(name, options, false);
}

void stop_container(const std::string& name, const ManageOptions& options) {
  auto engine = detail::EngineClient::connect(options.engine);
  json item = find_by_name(*engine, name, options);
  try {
    engine->stop_container(item.value("Id", std::string()), 10);
  } catch (const ContainerNotRunning&) {
    // Already stopped: the goal is reached.
  }
}

void destroy_container(const std::string& name, const ManageOptions& options) {
  auto engine = detail::EngineClient::connect(options.engine);
  json item = find_by_name(*engine, name, options);
  std::string id = item.value("Id", std::string());
  std::string data_path =
      label_of(engine->inspect_container(id).value("Config", json::object()), "pocketdock.data-path");
  engine->remove_container(id, true);
  std::error_code ec;
  if (!data_path.empty() && std::filesystem::is_directory(data_path, ec)) std::filesystem::remove_all(data_path, ec);
}

std::vector<ContainerListItem> list_containers(const ManageOptions& options) {
  auto engine = detail::EngineClient::connect(options.engine);
  std::vector<ContainerListItem> out;
  for (const auto& item : engine->list_containers(list_filter(options)))
    out.push_back(detail::list_item_from_engine(item));
  return out;
}

int prune(const ManageOptions& options) {
  auto engine = detail::EngineClient::connect(options.engine);
  int removed = 0;
  for (const auto& item : engine->list_containers(list_filter(options))) {
    if (lower(state_of(item)) == "running") continue;
    try {
      engine->remove_container(item.value("Id", std::string()), true);
      ++removed;
    } catch (const ContainerNotFound&) {
      // Removed by someone else meanwhile.
    }
  }
  return removed;
}

}  // namespace pocketdock
