// Security profiles: names, validation, and the HostConfig fields each profile sets.
#include "security_body.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace pocketdock {

const char* to_string(SecurityProfile profile) noexcept {
  switch (profile) {
    case SecurityProfile::standard: return "standard";
    case SecurityProfile::strict: return "strict";
    case SecurityProfile::none: return "none";
  }
  return "standard";
}

std::optional<SecurityProfile> parse_security_profile(std::string_view name) noexcept {
  for (auto p : {SecurityProfile::standard, SecurityProfile::strict, SecurityProfile::none}) {
    if (name == to_string(p)) return p;
  }
  return std::nullopt;
}

const std::vector<std::string>& standard_capabilities() {
  static const std::vector<std::string> caps = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID",
                                                "KILL",  "SETGID",       "SETUID"};
  return caps;
}

namespace detail {
namespace {

constexpr std::int64_t kStandardPidsLimit = 1024;
constexpr std::int64_t kStrictPidsLimit = 256;
constexpr const char* kStrictMemory = "512m";
constexpr const char* kStrictUser = "1000:1000";
constexpr const char* kStrictTmpfsSize = "64m";

bool valid_capability(const std::string& cap) {
  if (cap.empty() || cap.size() > 32 || cap.rfind("CAP_", 0) == 0) return false;
  return std::all_of(cap.begin(), cap.end(),
                     [](unsigned char c) { return std::isupper(c) != 0 || std::isdigit(c) != 0 || c == '_'; });
}

// "1000" or "1000:1000".
bool numeric_user(const std::string& user) {
  auto digits = [](std::string_view s) {
    return !s.empty() && s.size() <= 10 &&
           std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
  };
  auto colon = user.find(':');
  if (colon == std::string::npos) return digits(user);
  return digits(std::string_view(user).substr(0, colon)) && digits(std::string_view(user).substr(colon + 1));
}

// tmpfs options that give the mount to `user` (numeric uid[:gid]).
std::string owner_options(const std::string& user) {
  auto colon = user.find(':');
  if (colon == std::string::npos) return ",uid=" + user;
  return ",uid=" + user.substr(0, colon) + ",gid=" + user.substr(colon + 1);
}

bool publishes_privileged_port(const CreateOptions& o) {
  return std::any_of(o.ports.begin(), o.ports.end(), [](const PortMapping& p) { return p.container < 1024; });
}

}  // namespace

void validate_security_options(const CreateOptions& o) {
  const SecurityOptions& s = o.security;
  if (s.profile == SecurityProfile::strict) {
    if (o.network.value_or(false)) {
      throw InvalidArgument("the strict security profile has no network: drop `network = true` or use 'standard'");
    }
    if (!o.ports.empty()) {
      throw InvalidArgument(
          "the strict security profile has no network, so ports cannot be published: "
          "drop the ports or use 'standard'");
    }
    if (!o.user.empty() && !numeric_user(o.user)) {
      throw InvalidArgument(
          fmt::format("the strict security profile needs a numeric user (uid or uid:gid), not {:?}: "
                      "its tmpfs mounts are given to that uid",
                      o.user));
    }
    if (!o.workdir.empty() && (o.workdir.front() != '/' || o.workdir == "/")) {
      throw InvalidArgument(fmt::format(
          "under the strict security profile the working directory {:?} becomes a tmpfs: give an absolute path below /",
          o.workdir));
    }
  }
  if (s.capabilities) {
    for (const auto& cap : *s.capabilities) {
      if (!valid_capability(cap)) {
        throw InvalidArgument(
            fmt::format("invalid capability {:?}: use names such as \"CHOWN\" (no CAP_ prefix)", cap));
      }
    }
  }
  if (s.pids_limit && *s.pids_limit < 0) {
    throw InvalidArgument(fmt::format("pids_limit {} is negative (0 keeps the engine's default)", *s.pids_limit));
  }
  if (s.tmpfs_size && parse_mem_limit(*s.tmpfs_size) <= 0) {
    throw InvalidArgument(fmt::format("tmpfs_size {:?} must be positive", *s.tmpfs_size));
  }
  const std::string& r = o.runtime;
  if (r.size() > 128 || !std::all_of(r.begin(), r.end(), [](unsigned char c) {
        return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
      })) {
    throw InvalidArgument(fmt::format("invalid runtime name {:?}", r));
  }
}

void apply_security(const CreateOptions& o, nlohmann::json& body) {
  const SecurityOptions& s = o.security;
  nlohmann::json& host = body["HostConfig"];
  std::optional<std::string> memory = o.mem_limit;
  std::optional<std::vector<std::string>> caps;
  bool no_new_privileges = false;
  std::int64_t pids_limit = 0;
  bool read_only_root = false;
  bool network = o.network.value_or(true);
  std::string user = o.user;
  std::string workdir = o.workdir;
  std::string home;

  switch (s.profile) {
    case SecurityProfile::none: break;
    case SecurityProfile::standard:
      caps = standard_capabilities();
      if (publishes_privileged_port(o)) caps->push_back("NET_BIND_SERVICE");
      no_new_privileges = true;
      pids_limit = kStandardPidsLimit;
      network = o.network.value_or(!o.ports.empty());
      break;
    case SecurityProfile::strict:
      caps = std::vector<std::string>{};
      no_new_privileges = true;
      pids_limit = kStrictPidsLimit;
      read_only_root = true;
      network = false;
      if (!memory) memory = kStrictMemory;
      if (user.empty()) user = kStrictUser;
      home = kStrictHome;
      if (workdir.empty()) workdir = home;
      break;
  }
  if (s.capabilities) caps = s.capabilities;
  if (s.no_new_privileges) no_new_privileges = *s.no_new_privileges;
  if (s.pids_limit) pids_limit = *s.pids_limit;
  if (s.read_only_root) read_only_root = *s.read_only_root;

  if (memory) host["Memory"] = parse_mem_limit(*memory);
  if (caps) {
    host["CapDrop"] = nlohmann::json::array({"ALL"});
    host["CapAdd"] = *caps;
  }
  if (no_new_privileges) host["SecurityOpt"] = nlohmann::json::array({"no-new-privileges"});
  if (pids_limit > 0) host["PidsLimit"] = pids_limit;
  if (read_only_root) {
    host["ReadonlyRootfs"] = true;
    // Writable and size-limited; `exec` because Docker defaults tmpfs to noexec and Podman does not.
    // runc gives a mount point that exists in the image that directory's mode, so the mounts
    // also belong to the container's user (Podman spells uid=/gid= differently: engine layer).
    std::string opts =
        fmt::format("rw,exec,nosuid,nodev,size={},mode=1777", parse_mem_limit(s.tmpfs_size.value_or(kStrictTmpfsSize)));
    if (numeric_user(user)) opts += owner_options(user);
    nlohmann::json tmpfs = nlohmann::json::object();
    tmpfs["/tmp"] = opts;
    if (!home.empty()) tmpfs[home] = opts;
    if (!workdir.empty() && workdir != "/") tmpfs[workdir] = opts;
    host["Tmpfs"] = tmpfs;
  }
  if (!network) host["NetworkMode"] = "none";
  if (!workdir.empty()) body["WorkingDir"] = workdir;
  if (!user.empty()) body["User"] = user;
  if (!home.empty() && !o.env.contains("HOME")) {
    if (!body.contains("Env")) body["Env"] = nlohmann::json::array();
    body["Env"].push_back("HOME=" + home);
  }
  if (!o.runtime.empty()) host["Runtime"] = o.runtime;
}

}  // namespace detail
}  // namespace pocketdock
