// Archive endpoints: PUT/GET/HEAD /containers/{id}/archive.
#include "engine_api.hpp"

#include <fmt/format.h>

#include <array>

namespace pocketdock::detail {
namespace {

constexpr std::uint32_t kGoModeDir = 1U << 31;
constexpr std::uint32_t kGoModeSymlink = 1U << 27;
constexpr int kMaxSymlinkHops = 8;

std::string base64_decode(std::string_view in) {
  std::array<int, 256> table{};
  table.fill(-1);
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  table[static_cast<unsigned char>('-')] = 62;  // URL-safe variants
  table[static_cast<unsigned char>('_')] = 63;
  std::string out;
  unsigned int acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == ' ' || c == '\r' || c == '\n') continue;
    int v = table[static_cast<unsigned char>(c)];
    if (v < 0) throw SocketCommunicationError("archive stat: invalid base64 in X-Docker-Container-Path-Stat");
    acc = (acc << 6U) | static_cast<unsigned int>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> static_cast<unsigned int>(bits)) & 0xFFU));
    }
  }
  return out;
}

std::string archive_target(const EngineClient& engine, const std::string& container_id, const std::string& path) {
  return engine.versioned("/containers/" + url_encode(container_id) + "/archive") + query_string({{"path", path}});
}

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::string podman_literal_path(const std::string& path) {
  std::string out;
  for (char c : path) {
    // Podman 4.3 never finds a path containing '*', even escaped: match it with '?' instead (the
    // caller drops sibling matches by name). The other metacharacters escape fine.
    if (c == '*') {
      out.push_back('?');
      continue;
    }
    if (c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

namespace {

std::string literal_path(const EngineClient& engine, const std::string& path) {
  return engine.is_podman() ? podman_literal_path(path) : path;
}

}  // namespace

ArchivePathStat parse_path_stat(std::string_view header_value) {
  auto j = nlohmann::json::parse(base64_decode(header_value), nullptr, false);
  if (!j.is_object()) throw SocketCommunicationError("archive stat: X-Docker-Container-Path-Stat is not JSON");
  ArchivePathStat s;
  s.name = j.value("name", "");
  s.size = j.value("size", std::int64_t{0});
  auto go_mode = j.value("mode", std::uint64_t{0});
  s.mode = static_cast<std::uint32_t>(go_mode & 07777U);
  s.is_dir = (go_mode & kGoModeDir) != 0 || j.value("isDir", false);
  s.is_symlink = (go_mode & kGoModeSymlink) != 0;
  s.link_target = j.value("linkTarget", "");
  return s;
}

void EngineClient::put_archive(const std::string& container_id, const std::string& path,
                               std::optional<std::uint64_t> length,
                               const std::function<bool(BodyWriter& body)>& produce) {
  ApiRequest r{.method = "PUT",
               .path = "/containers/" + url_encode(container_id) + "/archive",
               .query = {{"path", path}},
               .content_type = "application/x-tar"};
  (void)call_upload(ApiOp::archive_put, r, container_id, path, length, produce);
}

BodyReader EngineClient::get_archive(const std::string& container_id, const std::string& path) {
  ApiRequest r{.path = "/containers/" + url_encode(container_id) + "/archive",
               .query = {{"path", literal_path(*this, path)}}};
  return call_download(ApiOp::archive_get, r, container_id, path);
}

std::optional<ArchivePathStat> EngineClient::stat_archive_path(const std::string& container_id,
                                                               const std::string& path) {
  std::string current = path;
  for (int hop = 0; hop <= kMaxSymlinkHops; ++hop) {
    Deadline deadline = deadline_after(api_timeout_);
    UnixConnection conn = open_raw(deadline);
    conn.write_all(
        format_request("HEAD", archive_target(*this, container_id, literal_path(*this, current)), "", "", {}),
        deadline);
    std::string leftover;
    ResponseHead head = read_response_head(conn, leftover, deadline);
    // Docker answers 500 for a path under a file ("not a directory"): that path does not exist.
    if (head.status == 404 || (head.status == 500 && !is_podman())) {
      // A HEAD answer carries no message: ask whether the container itself is missing.
      (void)inspect_container(container_id);
      return std::nullopt;
    }
    if (head.status >= 400) throw_api_error(ApiOp::archive_stat, head.status, "", container_id, current);
    std::string value = head.header("x-docker-container-path-stat");
    if (value.empty()) throw SocketCommunicationError("archive stat: no X-Docker-Container-Path-Stat header");
    ArchivePathStat s = parse_path_stat(value);
    // Docker reports a symlink itself (Podman follows it): follow it here so both agree.
    if (!s.is_symlink || s.link_target.empty()) return s;
    current = s.link_target.front() == '/' ? s.link_target : parent_of(current) + "/" + s.link_target;
  }
  throw InvalidArgument(fmt::format("too many levels of symbolic links: {}", path));
}

}  // namespace pocketdock::detail
