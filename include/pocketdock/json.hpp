#pragma once
/// @file json.hpp
/// Opt-in nlohmann::json conversion of pocketdock's value types (ADL `to_json`/`from_json`).
/// Field names are the reference's (`stdout`, `duration_ms`, ...); timestamps are ISO 8601 UTC.

#include <pocketdock/types.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <vector>

namespace pocketdock {

namespace json_detail {

inline std::string iso(Timestamp t) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

inline Timestamp parse_iso(const std::string& s) {
  std::tm tm{};
  int year = 0, mon = 0, day = 0, hour = 0, min = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &year, &mon, &day, &hour, &min, &sec) != 6) return {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  long us = 0;
  if (auto dot = s.find('.'); dot != std::string::npos) {
    int digits = 0;
    for (std::size_t i = dot + 1; i < s.size() && digits < 6 && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      us = us * 10 + (s[i] - '0');
    }
    for (; digits < 6; ++digits) us *= 10;
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm)) + std::chrono::microseconds(us);
}

}  // namespace json_detail

inline void to_json(nlohmann::json& j, const ExecResult& r) {
  j = {{"exit_code", r.exit_code},       {"stdout", r.out},          {"stderr", r.err},
       {"duration_ms", r.duration_ms()}, {"timed_out", r.timed_out}, {"truncated", r.truncated},
       {"oom_killed", r.oom_killed}};
}
inline void from_json(const nlohmann::json& j, ExecResult& r) {
  r.exit_code = j.at("exit_code").get<int>();
  r.out = j.value("stdout", "");
  r.err = j.value("stderr", "");
  r.duration = Milliseconds(j.value("duration_ms", 0.0));
  r.timed_out = j.value("timed_out", false);
  r.truncated = j.value("truncated", false);
  r.oom_killed = j.value("oom_killed", false);
}

inline void to_json(nlohmann::json& j, const StreamChunk& c) {
  j = {{"stream", to_string(c.stream)}, {"data", c.data}};
}
inline void from_json(const nlohmann::json& j, StreamChunk& c) {
  c.stream = j.at("stream").get<std::string>() == "stdout" ? OutputStream::out : OutputStream::err;
  c.data = j.at("data").get<std::string>();
}

inline void to_json(nlohmann::json& j, const BufferSnapshot& b) { j = {{"stdout", b.out}, {"stderr", b.err}}; }
inline void from_json(const nlohmann::json& j, BufferSnapshot& b) {
  b.out = j.value("stdout", "");
  b.err = j.value("stderr", "");
}

inline void to_json(nlohmann::json& j, const SecurityPosture& p) {
  j = {{"profile", p.profile},
       {"no_new_privileges", p.no_new_privileges},
       {"cap_add", p.cap_add},
       {"cap_drop", p.cap_drop},
       {"pids_limit", p.pids_limit ? nlohmann::json(*p.pids_limit) : nlohmann::json(nullptr)},
       {"read_only_root", p.read_only_root},
       {"tmpfs", p.tmpfs},
       {"network_mode", p.network_mode},
       {"user", p.user},
       {"runtime", p.runtime}};
}
inline void from_json(const nlohmann::json& j, SecurityPosture& p) {
  p.profile = j.value("profile", "");
  p.no_new_privileges = j.value("no_new_privileges", false);
  p.cap_add = j.value("cap_add", std::vector<std::string>{});
  p.cap_drop = j.value("cap_drop", std::vector<std::string>{});
  if (j.contains("pids_limit") && j["pids_limit"].is_number_integer())
    p.pids_limit = j["pids_limit"].get<std::int64_t>();
  p.read_only_root = j.value("read_only_root", false);
  p.tmpfs = j.value("tmpfs", std::map<std::string, std::string>{});
  p.network_mode = j.value("network_mode", "");
  p.user = j.value("user", "");
  p.runtime = j.value("runtime", "");
}

inline void to_json(nlohmann::json& j, const ContainerInfo& i) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& [h, c] : i.ports) ports[std::to_string(h)] = c;
  j = {{"id", i.id},
       {"name", i.name},
       {"status", i.status},
       {"image", i.image},
       {"created_at", json_detail::iso(i.created_at)},
       {"started_at", i.started_at ? nlohmann::json(json_detail::iso(*i.started_at)) : nlohmann::json(nullptr)},
       {"uptime_seconds",
        i.uptime ? nlohmann::json(static_cast<double>(i.uptime->count()) / 1e6) : nlohmann::json(nullptr)},
       {"memory_usage", i.memory_usage},
       {"memory_limit", i.memory_limit},
       {"memory_percent", i.memory_percent},
       {"cpu_percent", i.cpu_percent},
       {"pids", i.pids},
       {"network", i.network},
       {"ip_address", i.ip_address},
       {"ports", ports},
       {"processes", i.processes},
       {"security", i.security}};
}
inline void from_json(const nlohmann::json& j, ContainerInfo& i) {
  i.id = j.value("id", "");
  i.name = j.value("name", "");
  i.status = j.value("status", "");
  i.image = j.value("image", "");
  i.created_at = json_detail::parse_iso(j.value("created_at", ""));
  if (j.contains("started_at") && j["started_at"].is_string()) i.started_at = json_detail::parse_iso(j["started_at"]);
  if (j.contains("uptime_seconds") && j["uptime_seconds"].is_number()) {
    i.uptime = std::chrono::microseconds(static_cast<long long>(j["uptime_seconds"].get<double>() * 1e6));
  }
  i.memory_usage = j.value("memory_usage", "");
  i.memory_limit = j.value("memory_limit", "");
  i.memory_percent = j.value("memory_percent", 0.0);
  i.cpu_percent = j.value("cpu_percent", 0.0);
  i.pids = j.value("pids", 0);
  i.network = j.value("network", false);
  i.ip_address = j.value("ip_address", "");
  if (j.contains("ports")) {
    for (const auto& [h, c] : j["ports"].items()) i.ports[std::stoi(h)] = c.get<int>();
  }
  if (j.contains("processes")) i.processes = j["processes"].get<std::vector<std::map<std::string, std::string>>>();
  if (j.contains("security")) i.security = j["security"].get<SecurityPosture>();
}

inline void to_json(nlohmann::json& j, const ContainerListItem& i) {
  j = {{"id", i.id},
       {"name", i.name},
       {"status", i.status},
       {"image", i.image},
       {"created_at", i.created_at},
       {"persist", i.persist},
       {"project", i.project}};
}
inline void from_json(const nlohmann::json& j, ContainerListItem& i) {
  i.id = j.value("id", "");
  i.name = j.value("name", "");
  i.status = j.value("status", "");
  i.image = j.value("image", "");
  i.created_at = j.value("created_at", "");
  i.persist = j.value("persist", false);
  i.project = j.value("project", "");
}

inline void to_json(nlohmann::json& j, const DoctorReport& d) {
  j = {{"orphaned_containers", d.orphaned_containers},
       {"stale_instance_dirs", d.stale_instance_dirs},
       {"healthy", d.healthy}};
}
inline void from_json(const nlohmann::json& j, DoctorReport& d) {
  d.orphaned_containers = j.value("orphaned_containers", std::vector<std::string>{});
  d.stale_instance_dirs = j.value("stale_instance_dirs", std::vector<std::string>{});
  d.healthy = j.value("healthy", 0);
}

inline void to_json(nlohmann::json& j, const ProfileInfo& p) {
  j = {{"name", p.name},
       {"image_tag", p.image_tag},
       {"dockerfile_dir", p.dockerfile_dir},
       {"network_default", p.network_default},
       {"description", p.description},
       {"size_estimate", p.size_estimate}};
}
inline void from_json(const nlohmann::json& j, ProfileInfo& p) {
  p.name = j.value("name", "");
  p.image_tag = j.value("image_tag", "");
  p.dockerfile_dir = j.value("dockerfile_dir", "");
  p.network_default = j.value("network_default", false);
  p.description = j.value("description", "");
  p.size_estimate = j.value("size_estimate", "");
}

}  // namespace pocketdock
