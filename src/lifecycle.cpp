// Container::info, reboot, snapshot and ports.
#include "container_info.hpp"
#include "container_state.hpp"
#include "exec.hpp"
#include "projects_internal.hpp"
#include "validate.hpp"

#include <pocketdock/container.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <set>
#include <thread>

namespace pocketdock {
namespace {

// Podman's stats answer carries no previous sample: take a second one this much later.
constexpr auto kCpuSampleGap = std::chrono::milliseconds(500);

struct Usage {
  nlohmann::json stats;
  std::optional<double> cpu_percent;
};

Usage sample_usage(detail::EngineClient& engine, const std::string& id) {
  Usage u{engine.container_stats(id), std::nullopt};
  if (auto previous = detail::previous_sample(u.stats)) {
    u.cpu_percent = detail::cpu_percent_between(*previous, u.stats);
    if (u.cpu_percent) return u;
  }
  std::this_thread::sleep_for(kCpuSampleGap);
  nlohmann::json later = engine.container_stats(id);
  u.cpu_percent = detail::cpu_percent_between(u.stats, later);
  u.stats = std::move(later);
  return u;
}

}  // namespace

ContainerInfo Container::info() {
  auto& s = state();
  std::string id = s.current_id();
  nlohmann::json inspect = s.engine->inspect_container(id);
  std::optional<Usage> usage;
  std::optional<nlohmann::json> top;
  bool running = inspect.contains("State") && inspect["State"].value("Running", false);
  if (running) {
    auto engine = s.engine;
    auto top_future = std::async(std::launch::async, [engine, id] { return engine->container_top(id); });
    try {
      usage = sample_usage(*s.engine, id);
    } catch (const ContainerNotRunning&) {
    } catch (const ContainerNotFound&) {
      // It stopped or vanished between the calls: report what inspect said.
    }
    try {
      top = top_future.get();
    } catch (const ContainerNotRunning&) {
    } catch (const ContainerNotFound&) {
    }
    if (!usage || !top) {
      usage.reset();
      top.reset();
    }
  }
  ContainerInfo info =
      detail::build_container_info(inspect, usage ? &usage->stats : nullptr, usage ? usage->cpu_percent : std::nullopt,
                                   top ? &*top : nullptr, s.name, std::chrono::system_clock::now());
  info.security.runtime = s.engine->container_runtime(id);
  return info;
}

std::map<int, int> Container::ports() {
  auto& s = state();
  return detail::parse_ports(s.engine->inspect_container(s.current_id()));
}

void Container::reboot(bool fresh) {
  auto& s = state();
  s.run_hooks();
  s.clear_mounts();  // a fresh reboot is a new container; a restart may remount
  std::string old_id = s.current_id();
  {
    // A restart or a new container starts a new memory cgroup.
    std::lock_guard lock(s.oom_mutex);
    s.oom_kills_claimed = 0;
  }
  if (!fresh) {
    s.engine->restart_container(old_id, 10);
    return;
  }
  bool have_old = true;
  try {
    s.engine->stop_container(old_id, 10);
  } catch (const ContainerNotRunning&) {
  } catch (const ContainerNotFound&) {
    have_old = false;
  }
  // The old container steps aside under another name until the new one runs, so a failed
  // create loses nothing: it then gets its name back and is started again.
  if (have_old)
    s.engine->rename_container(old_id, fmt::format("{}-pd-old-{}", s.name.substr(0, 100), detail::random_hex(8)));
  std::string id;
  try {
    auto body =
        detail::container_create_body(s.create_options, s.name, s.image, s.project, s.data_path, detail::iso_now());
    id = detail::create_container_or_clean_up(*s.engine, body, s.name);
    s.engine->start_container(id);
  } catch (...) {
    try {
      if (!id.empty()) s.engine->remove_container(id, true);
      if (have_old) {
        s.engine->rename_container(old_id, s.name);
        s.engine->start_container(old_id);
      }
    } catch (...) {
      // Keep the create's error, which says what went wrong.
    }
    throw;
  }
  {
    std::lock_guard lock(s.mutex);
    s.id = id;
  }
  try {
    if (have_old) s.engine->remove_container(old_id, true);
  } catch (const ContainerNotFound&) {
  }
  detail::record_instance(s);
}

std::string Container::snapshot(const std::string& image, const SnapshotOptions& options) {
  auto [repo, tag] = detail::split_image_reference(image);
  detail::validate_image_reference(image);
  auto& s = state();
  std::string id = s.current_id();
  // The image must not carry our labels: a container made from it would inherit them (see
  // persistence.cpp). Every pocketdock label of the container is blanked, after the caller's changes.
  std::vector<std::string> changes = options.changes;
  std::set<std::string> keys(std::begin(detail::kOwnLabels), std::end(detail::kOwnLabels));
  nlohmann::json inspect = s.engine->inspect_container(id);
  if (inspect.contains("Config") && inspect["Config"].is_object()) {
    const auto& labels = inspect["Config"].value("Labels", nlohmann::json());
    if (labels.is_object()) {
      for (const auto& [key, value] : labels.items()) {
        if (key.rfind("pocketdock.", 0) == 0) keys.insert(key);
      }
    }
  }
  for (const auto& key : keys) {
    bool plain = std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_';
    });
    if (plain) changes.push_back("LABEL " + key + "=");
  }
  return s.engine->commit_container(id, repo, tag, changes, options.comment, options.author);
}

}  // namespace pocketdock
