// OCI runtimes: what an engine offers and what a container runs under.
#include "engine_api.hpp"

#include <algorithm>
#include <cctype>

namespace pocketdock::detail {
namespace {

constexpr std::size_t kMaxRuntimes = 64;
constexpr std::size_t kMaxRuntimeName = 128;
constexpr std::size_t kMaxInfoBody = 1024 * 1024;

bool valid_runtime_name(const std::string& name) {
  return !name.empty() && name.size() <= kMaxRuntimeName && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

EngineRuntimes parse_engine_runtimes(const nlohmann::json& info) {
  EngineRuntimes out;
  if (!info.is_object()) return out;
  auto runtimes = info.find("Runtimes");
  if (runtimes != info.end() && runtimes->is_object()) {
    for (const auto& [name, spec] : runtimes->items()) {
      if (out.names.size() >= kMaxRuntimes) break;
      if (valid_runtime_name(name)) out.names.push_back(name);
    }
  }
  std::sort(out.names.begin(), out.names.end());
  auto def = info.find("DefaultRuntime");
  if (def != info.end() && def->is_string() && valid_runtime_name(def->get<std::string>())) {
    out.default_runtime = def->get<std::string>();
  }
  return out;
}

EngineRuntimes EngineClient::runtimes() {
  ApiResponse resp = call_checked(ApiOp::info, {.path = "/info"}, "");
  if (resp.body.size() > kMaxInfoBody) throw SocketCommunicationError("info: the engine's answer is too large");
  EngineRuntimes out = parse_engine_runtimes(resp.json());
  out.per_container = !is_podman();
  return out;
}

std::string EngineClient::container_runtime(const std::string& id) {
  nlohmann::json j;
  const char* key = "OCIRuntime";
  if (is_podman()) {
    j = call_checked(ApiOp::container_inspect, {.path = "/containers/" + url_encode(id) + "/json", .libpod = true}, id)
            .json();
  } else {
    j = inspect_container(id);
    j = j.is_object() && j.contains("HostConfig") ? j["HostConfig"] : nlohmann::json();
    key = "Runtime";
  }
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return {};
  std::string name = j[key].get<std::string>();
  return valid_runtime_name(name) ? name : std::string();
}

}  // namespace pocketdock::detail
