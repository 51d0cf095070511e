#pragma once
// Turning engine JSON (inspect, stats, top) into pocketdock values. Pure functions, unit-tested
// with canned answers of both engines.

#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace pocketdock::detail {

/// RFC 3339 with any fraction (cut to microseconds) and `Z` or `±hh:mm`; nothing if malformed
/// or the zero time `0001-01-01T00:00:00Z`.
[[nodiscard]] std::optional<Timestamp> parse_timestamp(const std::string& text);

/// Percent of one CPU between two stats samples of one container: Δtotal_usage / Δread * 100
/// (the engines' `system_cpu_usage` differ; the wall clock does not). Nothing if unusable.
[[nodiscard]] std::optional<double> cpu_percent_between(const nlohmann::json& earlier, const nlohmann::json& later);

/// The sample Docker keeps inside a stats answer (`precpu_stats` at `preread`), when filled.
[[nodiscard]] std::optional<nlohmann::json> previous_sample(const nlohmann::json& stats);

/// Memory in use as `docker stats` counts it: usage minus inactive file cache (Docker's
/// `stats.total_inactive_file` on cgroup v1, `inactive_file` on v2; Podman gives usage only).
[[nodiscard]] std::optional<std::int64_t> memory_used(const nlohmann::json& stats);

/// Host port -> container port: the bound ports of a running container
/// (`NetworkSettings.Ports`, random ports resolved), else the fixed `HostConfig.PortBindings`.
[[nodiscard]] std::map<int, int> parse_ports(const nlohmann::json& inspect);

/// The container's IP: top-level `NetworkSettings.IPAddress`, else the first network's.
[[nodiscard]] std::string ip_address(const nlohmann::json& inspect);

/// The confinement an inspect answer reports (all but the runtime, which Podman's compat inspect
/// does not give), bounded; the profile only when our label names a known one.
[[nodiscard]] SecurityPosture parse_security_posture(const nlohmann::json& inspect);

/// ContainerInfo from inspect, plus stats/top of a running container (null when absent).
[[nodiscard]] ContainerInfo build_container_info(const nlohmann::json& inspect, const nlohmann::json* stats,
                                                 std::optional<double> cpu_percent, const nlohmann::json* top,
                                                 const std::string& name, Timestamp now);

/// "repo:tag" split at a ':' after the last '/'; tag "latest" if there is none.
/// "registry:5000/repo" -> ("registry:5000/repo", "latest"). @throws InvalidArgument if empty.
[[nodiscard]] std::pair<std::string, std::string> split_image_reference(const std::string& image);

/// What a container was made with, read back from its inspect (for a fresh reboot of a
/// resumed container): image, limits, volumes, devices, ports, env, workdir, user, network,
/// security profile (none when unlabelled) and pids limit, non-pocketdock labels, persist and project.
[[nodiscard]] CreateOptions create_options_from_inspect(const nlohmann::json& inspect);

/// One entry of the engine's container list (`GET /containers/json`) as a ContainerListItem:
/// the pocketdock name from its label, else the engine's first name. (Defined in persistence.cpp.)
[[nodiscard]] ContainerListItem list_item_from_engine(const nlohmann::json& item);

}  // namespace pocketdock::detail
