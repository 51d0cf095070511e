// resume/attach/stop/destroy/list/prune by pocketdock name, with the reference's labels.
#include "container_info.hpp"
#include "container_state.hpp"
#include "projects_internal.hpp"
#include "validate.hpp"

#include <pocketdock/persistence.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>

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

// The engine's name of a list item (`Names`) or an inspect (`Name`), without Docker's '/'.
std::string engine_name_of(const json& item) {
  std::string name;
  if (item.contains("Names") && item["Names"].is_array() && !item["Names"].empty() && item["Names"][0].is_string()) {
    name = item["Names"][0].get<std::string>();
  } else if (item.contains("Name") && item["Name"].is_string()) {
    name = item["Name"].get<std::string>();
  }
  name.erase(0, name.find_first_not_of('/'));
  return name;
}

// Whether a listed container is managed by pocketdock. Labels are untrusted: an image can carry
// ours, and a container run from it inherits them. So the `pocketdock.instance` label counts only
// when it is the container's own engine name (pocketdock names its containers so), or when it was
// set at create rather than inherited: the image does not carry that value (the Python library
// leaves the engine name to the engine). Images are looked up once per check object.
class ManagedCheck {
 public:
  explicit ManagedCheck(detail::EngineClient& engine) : engine_(engine) {}

  bool operator()(const json& item) {
    std::string instance = label_of(item, "pocketdock.instance");
    if (lower(label_of(item, "pocketdock.managed")) != "true" || instance.empty()) return false;
    if (instance == engine_name_of(item)) return true;
    std::string image =
        item.contains("ImageID") && item["ImageID"].is_string() ? item["ImageID"].get<std::string>() : std::string();
    if (image.empty()) return false;
    auto it = image_instance_.find(image);
    if (it == image_instance_.end()) {
      std::optional<std::string> label;
      try {
        if (auto inspect = engine_.inspect_image(image)) {
          label = label_of(inspect->value("Config", json::object()), "pocketdock.instance");
        }
      } catch (const PocketDockError&) {
        // Unknown image: the label's origin cannot be told, so it is not trusted.
      }
      it = image_instance_.emplace(image, label).first;
    }
    return it->second && *it->second != instance;
  }

 private:
  detail::EngineClient& engine_;
  std::map<std::string, std::optional<std::string>> image_instance_;
};

// The managed container with this pocketdock name (of the project, if one is given).
json find_by_name(detail::EngineClient& engine, const std::string& name, const ManageOptions& o) {
  ManagedCheck managed(engine);
  for (const auto& item : engine.list_containers("pocketdock.instance=" + name)) {
    if (o.project && label_of(item, "pocketdock.project") != *o.project) continue;
    if (managed(item)) return item;
  }
  throw ContainerNotFound(name, {.operation = "container lookup", .container_id = name});
}

// The instance directory of an inspected container, if its label names one made for it.
std::string data_path_of(const json& inspect, const std::string& name) {
  return detail::trusted_data_path(label_of(inspect.value("Config", json::object()), "pocketdock.data-path"),
                                   inspect.value("Id", std::string()), name);
}

void validate_manage(const std::string* name, const ManageOptions& o) {
  if (name != nullptr) detail::validate_container_name(*name);
  if (o.project) detail::validate_dir_name(*o.project, "project name");
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
  state->data_path = data_path_of(inspect, name);
  state->id = inspect.value("Id", std::string());
  state->attached = attached;
  return detail::ContainerAccess::make(std::move(state));
}

Container open_container(const std::string& name, const ManageOptions& o, bool start) {
  validate_manage(&name, o);
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
  validate_manage(&name, options);
  auto engine = detail::EngineClient::connect(options.engine);
  json item = find_by_name(*engine, name, options);
  try {
    engine->stop_container(item.value("Id", std::string()), 10);
  } catch (const ContainerNotRunning&) {
    // Already stopped: the goal is reached.
  }
}

void destroy_container(const std::string& name, const ManageOptions& options) {
  validate_manage(&name, options);
  auto engine = detail::EngineClient::connect(options.engine);
  json item = find_by_name(*engine, name, options);
  std::string id = item.value("Id", std::string());
  std::string data_path = data_path_of(engine->inspect_container(id), name);
  engine->remove_container(id, true);
  std::error_code ec;
  if (!data_path.empty() && std::filesystem::is_directory(data_path, ec)) std::filesystem::remove_all(data_path, ec);
}

std::vector<ContainerListItem> list_containers(const ManageOptions& options) {
  validate_manage(nullptr, options);
  auto engine = detail::EngineClient::connect(options.engine);
  std::vector<ContainerListItem> out;
  ManagedCheck managed(*engine);
  for (const auto& item : engine->list_containers(list_filter(options))) {
    if (managed(item)) out.push_back(detail::list_item_from_engine(item));
  }
  return out;
}

int prune(const ManageOptions& options) {
  validate_manage(nullptr, options);
  auto engine = detail::EngineClient::connect(options.engine);
  int removed = 0;
  ManagedCheck managed(*engine);
  for (const auto& item : engine->list_containers(list_filter(options))) {
    if (lower(state_of(item)) == "running" || !managed(item)) continue;
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
