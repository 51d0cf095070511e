#include "container_info.hpp"
#include "security_body.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <limits>

namespace pocketdock::detail {
namespace {

using nlohmann::json;

const json& at_path(const json& j, std::initializer_list<const char*> keys) {
  static const json null_value;
  const json* cur = &j;
  for (const char* k : keys) {
    if (!cur->is_object()) return null_value;
    auto it = cur->find(k);
    if (it == cur->end()) return null_value;
    cur = &*it;
  }
  return *cur;
}

std::string string_at(const json& j, std::initializer_list<const char*> keys, const std::string& fallback = {}) {
  const json& v = at_path(j, keys);
  return v.is_string() ? v.get<std::string>() : fallback;
}

std::optional<double> number_at(const json& j, std::initializer_list<const char*> keys) {
  const json& v = at_path(j, keys);
  if (!v.is_number()) return std::nullopt;
  return v.get<double>();
}

// An engine number as an integer: nothing when it is not a number or does not fit (a float
// out of range would be undefined behaviour to convert).
std::optional<std::int64_t> int64_of(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return v.get<std::int64_t>();
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (!v.is_number_float()) return std::nullopt;
  double d = v.get<double>();
  if (!std::isfinite(d) || d < -9.2e18 || d > 9.2e18) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

double round2(double v) { return std::round(v * 100.0) / 100.0; }

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 6 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "8080/tcp" -> 8080
std::optional<int> port_of_key(const std::string& key) {
  std::string digits = key.substr(0, key.find('/'));
  if (!all_digits(digits)) return std::nullopt;
  return std::stoi(digits);
}

void collect_bindings(const json& bindings, std::map<int, int>& out) {
  if (!bindings.is_object()) return;
  for (const auto& [key, list] : bindings.items()) {
    auto cport = port_of_key(key);
    if (!cport || !list.is_array()) continue;
    for (const auto& b : list) {
      if (!b.is_object()) continue;
      std::string host = b.value("HostPort", std::string());
      if (all_digits(host) && std::stoi(host) > 0) out[std::stoi(host)] = *cport;
    }
  }
}

constexpr std::size_t kMaxListEntries = 64;
constexpr std::size_t kMaxPostureString = 4096;

bool short_string(const json& v) {
  return v.is_string() && v.get_ref<const std::string&>().size() <= kMaxPostureString;
}

std::vector<std::string> string_list(const json& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const auto& e : v) {
    if (out.size() >= kMaxListEntries) break;
    if (short_string(e)) out.push_back(e.get<std::string>());
  }
  return out;
}

// The profile of our label, if it names one (an image can carry any label).
std::optional<SecurityProfile> profile_label(const json& inspect) {
  const json& v = at_path(inspect, {"Config", "Labels", kSecurityLabel});
  return v.is_string() ? parse_security_profile(v.get<std::string>()) : std::nullopt;
}

}  // namespace

SecurityPosture parse_security_posture(const json& inspect) {
  SecurityPosture p;
  if (auto profile = profile_label(inspect)) p.profile = to_string(*profile);
  const json& host = at_path(inspect, {"HostConfig"});
  for (const auto& opt : string_list(at_path(host, {"SecurityOpt"}))) {
    if (opt == "no-new-privileges" || opt == "no-new-privileges:true" || opt == "no-new-privileges=true")
      p.no_new_privileges = true;
  }
  p.cap_add = string_list(at_path(host, {"CapAdd"}));
  p.cap_drop = string_list(at_path(host, {"CapDrop"}));
  const json& pids = at_path(host, {"PidsLimit"});
  if (pids.is_number_integer() && pids.get<std::int64_t>() > 0) p.pids_limit = pids.get<std::int64_t>();
  p.read_only_root = at_path(host, {"ReadonlyRootfs"}).is_boolean() && at_path(host, {"ReadonlyRootfs"}).get<bool>();
  const json& tmpfs = at_path(host, {"Tmpfs"});
  if (tmpfs.is_object()) {
    for (const auto& [mount, opts] : tmpfs.items()) {
      if (p.tmpfs.size() >= kMaxListEntries) break;
      if (mount.size() <= kMaxPostureString && short_string(opts)) p.tmpfs[mount] = opts.get<std::string>();
    }
  }
  if (short_string(at_path(host, {"NetworkMode"}))) p.network_mode = string_at(host, {"NetworkMode"});
  if (short_string(at_path(inspect, {"Config", "User"}))) p.user = string_at(inspect, {"Config", "User"});
  return p;
}

std::optional<Timestamp> parse_timestamp(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6)
    return std::nullopt;
  // Years a Timestamp (nanoseconds since 1970 in 64 bits) can hold; 0001 is the zero time.
  if (y < 1678 || y > 2261) return std::nullopt;
  std::size_t pos = static_cast<std::size_t>(consumed);
  long long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])) != 0) {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  long offset_minutes = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset_minutes = (text[pos] == '-' ? -1 : 1) * (oh * 60L + om);
  } else if (pos >= text.size() || (text[pos] != 'Z' && text[pos] != 'z')) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  auto tp = sys_days{ymd} + hours{h} + minutes{mi} + seconds{s} + microseconds{micros} - minutes{offset_minutes};
  return time_point_cast<Timestamp::duration>(tp);
}

std::optional<double> cpu_percent_between(const json& earlier, const json& later) {
  auto a = number_at(earlier, {"cpu_stats", "cpu_usage", "total_usage"});
  auto b = number_at(later, {"cpu_stats", "cpu_usage", "total_usage"});
  auto ta = parse_timestamp(string_at(earlier, {"read"}));
  auto tb = parse_timestamp(string_at(later, {"read"}));
  if (!a || !b || !ta || !tb || *b < *a) return std::nullopt;
  double wall_ns = static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(*tb - *ta).count());
  if (wall_ns < 1e6) return std::nullopt;  // under 1 ms apart: no meaningful rate
  return round2((*b - *a) / wall_ns * 100.0);
}

std::optional<json> previous_sample(const json& stats) {
  auto pre = number_at(stats, {"precpu_stats", "cpu_usage", "total_usage"});
  if (!pre || *pre <= 0 || !parse_timestamp(string_at(stats, {"preread"}))) return std::nullopt;
  return json{{"read", stats["preread"]}, {"cpu_stats", stats["precpu_stats"]}};
}

std::optional<std::int64_t> memory_used(const json& stats) {
  auto used = int64_of(at_path(stats, {"memory_stats", "usage"}));
  if (!used || *used < 0) return std::nullopt;
  const json& detail = at_path(stats, {"memory_stats", "stats"});
  for (const char* key : {"total_inactive_file", "inactive_file"}) {
    auto inactive = int64_of(at_path(detail, {key}));
    if (inactive && *inactive >= 0 && *inactive <= *used) return *used - *inactive;
  }
  return used;
}

std::map<int, int> parse_ports(const json& inspect) {
  std::map<int, int> out;
  collect_bindings(at_path(inspect, {"NetworkSettings", "Ports"}), out);
  if (out.empty()) collect_bindings(at_path(inspect, {"HostConfig", "PortBindings"}), out);
  return out;
}

std::string ip_address(const json& inspect) {
  std::string ip = string_at(inspect, {"NetworkSettings", "IPAddress"});
  if (!ip.empty()) return ip;
  const json& networks = at_path(inspect, {"NetworkSettings", "Networks"});
  if (networks.is_object()) {
    for (const auto& [name, net] : networks.items()) {
      std::string nip = string_at(net, {"IPAddress"});
      if (!nip.empty()) return nip;
    }
  }
  return {};
}

ContainerInfo build_container_info(const json& inspect, const json* stats, std::optional<double> cpu_percent,
                                   const json* top, const std::string& name, Timestamp now) {
  ContainerInfo info;
  info.id = string_at(inspect, {"Id"});
  info.name = name;
  info.status = string_at(inspect, {"State", "Status"}, "unknown");
  info.image = string_at(inspect, {"Config", "Image"});
  info.created_at = parse_timestamp(string_at(inspect, {"Created"})).value_or(Timestamp{});
  info.started_at = parse_timestamp(string_at(inspect, {"State", "StartedAt"}));
  if (info.started_at && info.status == "running") {
    info.uptime = std::max(std::chrono::microseconds::zero(),
                           std::chrono::duration_cast<std::chrono::microseconds>(now - *info.started_at));
  }
  if (stats != nullptr) {
    auto used = memory_used(*stats);
    auto limit = int64_of(at_path(*stats, {"memory_stats", "limit"}));
    if (used && limit) {
      auto lim = *limit;
      info.memory_usage = format_bytes(*used);
      info.memory_limit = format_bytes(lim);
      info.memory_percent = lim > 0 ? round2(static_cast<double>(*used) / static_cast<double>(lim) * 100.0) : 0.0;
    }
    auto pids = int64_of(at_path(*stats, {"pids_stats", "current"}));
    if (pids && *pids >= 0 && *pids <= std::numeric_limits<int>::max()) info.pids = static_cast<int>(*pids);
    info.cpu_percent = cpu_percent.value_or(0.0);
  }
  info.ip_address = ip_address(inspect);
  std::string mode = string_at(inspect, {"HostConfig", "NetworkMode"});
  info.network = !info.ip_address.empty() && mode != "none";
  info.ports = parse_ports(inspect);
  info.security = parse_security_posture(inspect);
  if (top != nullptr) {
    const json& titles = at_path(*top, {"Titles"});
    const json& rows = at_path(*top, {"Processes"});
    if (titles.is_array() && rows.is_array()) {
      for (const auto& row : rows) {
        if (!row.is_array()) continue;
        std::map<std::string, std::string> p;
        for (std::size_t i = 0; i < std::min(titles.size(), row.size()); ++i) {
          p[titles[i].is_string() ? titles[i].get<std::string>() : titles[i].dump()] =
              row[i].is_string() ? row[i].get<std::string>() : row[i].dump();
        }
        info.processes.push_back(std::move(p));
      }
    }
  }
  return info;
}

std::pair<std::string, std::string> split_image_reference(const std::string& image) {
  if (image.empty()) throw InvalidArgument("image name must not be empty");
  std::size_t colon = image.rfind(':');
  std::size_t slash = image.rfind('/');
  if (image.find('@') != std::string::npos)
    throw InvalidArgument(fmt::format("cannot commit to a digest reference {:?}", image));
  if (colon == std::string::npos || (slash != std::string::npos && colon < slash)) return {image, "latest"};
  std::string repo = image.substr(0, colon);
  std::string tag = image.substr(colon + 1);
  if (repo.empty() || tag.empty()) throw InvalidArgument(fmt::format("invalid image name {:?}", image));
  return {repo, tag};
}

CreateOptions create_options_from_inspect(const json& inspect) {
  CreateOptions o;
  o.image = string_at(inspect, {"Config", "Image"});
  const json& labels = at_path(inspect, {"Config", "Labels"});
  if (labels.is_object()) {
    for (const auto& [k, v] : labels.items()) {
      if (!v.is_string()) continue;
      if (k.rfind("pocketdock.", 0) != 0 || k == "pocketdock.test") o.labels[k] = v.get<std::string>();
    }
    o.persist = labels.value("pocketdock.persist", std::string()) == "true";
    std::string project = labels.value("pocketdock.project", std::string());
    if (!project.empty()) o.project = project;
  }
  const json& host = at_path(inspect, {"HostConfig"});
  auto memory = int64_of(at_path(host, {"Memory"}));
  if (memory && *memory > 0) o.mem_limit = fmt::format("{}b", *memory);
  auto nano = int64_of(at_path(host, {"NanoCpus"}));
  if (nano && *nano > 0 && *nano / 10'000'000 < std::numeric_limits<int>::max()) {
    o.cpu_percent = static_cast<int>(std::llround(static_cast<double>(*nano) / 10'000'000.0));
  }
  const json& binds = at_path(host, {"Binds"});
  if (binds.is_array()) {
    for (const auto& b : binds) {
      if (!b.is_string()) continue;
      std::string s = b.get<std::string>();
      auto c1 = s.find(':');
      if (c1 == std::string::npos) continue;
      auto c2 = s.find(':', c1 + 1);
      o.volumes[s.substr(0, c1)] = s.substr(c1 + 1, c2 == std::string::npos ? std::string::npos : c2 - c1 - 1);
    }
  }
  const json& devices = at_path(host, {"Devices"});
  if (devices.is_array()) {
    for (const auto& d : devices) {
      if (d.is_object() && d.contains("PathOnHost") && d["PathOnHost"].is_string())
        o.devices.push_back(d["PathOnHost"]);
    }
  }
  const json& bindings = at_path(host, {"PortBindings"});
  if (bindings.is_object()) {
    for (const auto& [key, list] : bindings.items()) {
      auto cport = port_of_key(key);
      if (!cport || !list.is_array()) continue;
      for (const auto& b : list) {
        if (!b.is_object()) continue;
        std::string hp = b.value("HostPort", std::string());
        std::string ip = b.value("HostIp", std::string());
        o.ports.push_back({.host = all_digits(hp) ? std::stoi(hp) : 0, .container = *cport, .host_ip = ip});
      }
    }
  }
  // A container made before security profiles had the engine's defaults.
  o.security.profile = profile_label(inspect).value_or(SecurityProfile::none);
  if (string_at(host, {"NetworkMode"}) == "none") {
    o.network = false;
  } else if (o.security.profile != SecurityProfile::none) {
    o.network = true;  // it was on: keep it on although the profile defaults to off
  }
  const json& pids = at_path(host, {"PidsLimit"});
  if (o.security.profile != SecurityProfile::none && pids.is_number_integer() && pids.get<std::int64_t>() > 0)
    o.security.pids_limit = pids.get<std::int64_t>();
  const json& env = at_path(inspect, {"Config", "Env"});
  if (env.is_array()) {
    for (const auto& e : env) {
      if (!e.is_string()) continue;
      std::string s = e.get<std::string>();
      auto eq = s.find('=');
      if (eq != std::string::npos && eq > 0) o.env[s.substr(0, eq)] = s.substr(eq + 1);
    }
  }
  o.workdir = string_at(inspect, {"Config", "WorkingDir"});
  o.user = string_at(inspect, {"Config", "User"});
  return o;
}

}  // namespace pocketdock::detail
