// Lifecycle endpoints: stats, top and commit, with their Podman/Docker differences.
#include "engine_api.hpp"

#include <fmt/format.h>

namespace pocketdock::detail {

nlohmann::json EngineClient::container_stats(const std::string& id) {
  ApiRequest r{.path = "/containers/" + url_encode(id) + "/stats", .query = {{"stream", "false"}}};
  auto j = call_checked(ApiOp::container_stats, r, id).json();
  if (!j.is_object()) throw SocketCommunicationError("container stats: the engine did not return an object");
  return j;
}

nlohmann::json EngineClient::container_top(const std::string& id) {
  // Podman runs ps inside the container for ps options (the image has none) and answers an
  // empty 200; its AIX descriptors are read by Podman itself. Docker runs the host's ps.
  std::string ps_args = is_podman() ? "pid,user,args" : "-o pid,user,args";
  ApiRequest r{.path = "/containers/" + url_encode(id) + "/top", .query = {{"ps_args", ps_args}}};
  ApiResponse resp = call_checked(ApiOp::container_top, r, id);
  auto empty = nlohmann::json{{"Titles", nlohmann::json::array()}, {"Processes", nlohmann::json::array()}};
  if (resp.body.find_first_not_of(" \r\n\t") == std::string::npos) return empty;
  auto j = resp.json();
  return j.is_object() ? j : empty;
}

std::string EngineClient::commit_container(const std::string& id, const std::string& repo, const std::string& tag,
                                           const std::vector<std::string>& changes, const std::string& comment,
                                           const std::string& author) {
  ApiRequest r{
      .method = "POST", .path = "/commit", .query = {{"container", id}, {"repo", repo}, {"tag", tag}}, .body = "{}"};
  for (const auto& c : changes) r.query.emplace_back("changes", c);
  if (!comment.empty()) r.query.emplace_back("comment", comment);
  if (!author.empty()) r.query.emplace_back("author", author);
  // Podman commits synchronously and may take several seconds for a large filesystem.
  r.timeout = api_timeout_ * 4;
  auto j = call_checked(ApiOp::commit, r, id, repo + ":" + tag).json();
  if (!j.contains("Id") || !j["Id"].is_string()) throw SocketCommunicationError("commit: no Id in the answer");
  return j["Id"].get<std::string>();
}

}  // namespace pocketdock::detail
