// Engine discovery: candidates in order, the first that answers GET /_ping wins.
#include "engine_api.hpp"

#include <pocketdock/engine.hpp>

#include <sys/stat.h>
#include <unistd.h>
#include <cstdlib>
#include <string_view>

namespace pocketdock {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

// "unix:///path" -> "/path"; other schemes are not Unix sockets and are skipped.
std::string unix_path(std::string_view url) {
  constexpr std::string_view prefix = "unix://";
  if (url.substr(0, prefix.size()) != prefix) return {};
  return std::string(url.substr(prefix.size()));
}

}  // namespace

std::vector<EngineCandidate> engine_candidates(const std::string& explicit_socket) {
  std::vector<EngineCandidate> out;
  if (!explicit_socket.empty()) {
    std::string path = unix_path(explicit_socket);
    out.push_back({path.empty() ? explicit_socket : path, "explicit socket", ""});
    return out;  // an explicit socket is the only candidate: never silently use another engine
  }
  if (auto v = env("POCKETDOCK_SOCKET"); !v.empty()) {
    std::string path = unix_path(v);
    out.push_back({path.empty() ? v : path, "POCKETDOCK_SOCKET", ""});
  }
  for (const char* var : {"CONTAINER_HOST", "DOCKER_HOST"}) {
    if (auto v = env(var); !v.empty()) {
      std::string path = unix_path(v);
      if (!path.empty()) out.push_back({path, var, ""});
    }
  }
  std::string runtime = env("XDG_RUNTIME_DIR");
  if (runtime.empty()) runtime = "/run/user/" + std::to_string(::getuid());
  out.push_back({runtime + "/podman/podman.sock", "rootless Podman", ""});
  out.push_back({"/run/podman/podman.sock", "rootful Podman", ""});
  out.push_back({"/var/run/docker.sock", "Docker", ""});
  return out;
}

EngineInfo discover_engine(const EngineOptions& options) {
  auto candidates = engine_candidates(options.socket);
  auto ping_timeout = std::min(options.api_timeout, std::chrono::milliseconds(5000));
  for (auto& c : candidates) {
    struct stat st {};
    if (::stat(c.socket_path.c_str(), &st) != 0) {
      c.reason = "no such socket";
      continue;
    }
    if (!S_ISSOCK(st.st_mode)) {
      c.reason = "exists but is not a socket";
      continue;
    }
    try {
      return detail::ping_engine(c.socket_path, ping_timeout);
    } catch (const PocketDockError& e) {
      c.reason = e.what();
    }
  }
  throw PodmanNotRunning(std::move(candidates));
}

}  // namespace pocketdock
