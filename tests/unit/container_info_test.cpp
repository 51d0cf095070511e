// Parsing of inspect/stats/top answers of both engines into ContainerInfo, ports, CPU percent.
#include "container_info.hpp"

#include <pocketdock/errors.hpp>

#include <gtest/gtest.h>

namespace {

using namespace pocketdock;
using namespace pocketdock::detail;
using nlohmann::json;

const json kPodmanInspect = json::parse(R"({
  "Id": "abc123", "Created": "2026-12-01T13:13:51.239955201Z",
  "State": {"Status": "running", "Running": true, "StartedAt": "2026-12-01T13:13:53.607180617Z"},
  "Config": {"Image": "docker.io/pocketdock/minimal-shell:latest", "Labels": {"pocketdock.persist": "true",
             "pocketdock.project": "p1", "pocketdock.instance": "n1", "pocketdock.test": "true", "x": "y"},
             "Env": ["PATH=/bin", "A=b=c"], "WorkingDir": "/home/sandbox", "User": "sandbox"},
  "HostConfig": {"NetworkMode": "bridge", "Memory": 268435456, "NanoCpus": 500000000,
                 "Binds": ["/h:/c:rw"], "Devices": [{"PathOnHost": "/dev/null", "PathInContainer": "/dev/null"}],
                 "PortBindings": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}},
  "NetworkSettings": {"IPAddress": "", "Networks": {"podman": {"IPAddress": "10.88.0.11"}},
                      "Ports": {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "34209"}]}}
})");

const json kDockerInspect = json::parse(R"({
  "Id": "def456", "Created": "2026-12-01T13:13:58.648313746Z",
  "State": {"Status": "running", "Running": true, "StartedAt": "2026-12-01T13:14:00.933210445Z"},
  "Config": {"Image": "pocketdock/minimal-shell"},
  "HostConfig": {"NetworkMode": "default", "PortBindings": {"80/tcp": [{"HostPort": "8080"}], "bad": 1,
                                                             "81/tcp": [{"HostPort": "x"}], "82/tcp": "no"}},
  "NetworkSettings": {"IPAddress": "172.17.0.2", "Networks": {"bridge": {"IPAddress": "172.17.0.2"}}, "Ports": {}}
})");

const json kPodmanStats = json::parse(R"({"read": "2026-12-01T13:13:54.796043433Z", "preread": "0001-01-01T00:00:00Z",
  "cpu_stats": {"cpu_usage": {"total_usage": 54304854}, "system_cpu_usage": 297644439266, "online_cpus": 2, "cpu": 0},
  "precpu_stats": {"cpu_usage": {"total_usage": 0}}, "memory_stats": {"usage": 44040192, "limit": 268435456},
  "pids_stats": {"current": 3}})");
const json kPodmanStatsLater = json::parse(R"({"read": "2026-12-01T13:13:55.296043433Z",
  "cpu_stats": {"cpu_usage": {"total_usage": 304304854}}, "memory_stats": {"usage": 44040192, "limit": 268435456},
  "pids_stats": {"current": 3}})");

const json kDockerStats =
    json::parse(R"({"read": "2026-12-01T13:14:03.119733703Z", "preread": "2026-12-01T13:14:02.119733703Z",
  "cpu_stats": {"cpu_usage": {"total_usage": 540549142}, "system_cpu_usage": 1852310000000, "online_cpus": 2},
  "precpu_stats": {"cpu_usage": {"total_usage": 40549142}, "system_cpu_usage": 1850310000000, "online_cpus": 2},
  "memory_stats": {"usage": 10485760, "limit": 25276026880, "stats": {"total_inactive_file": 4194304}},
  "pids_stats": {"current": 2}})");

const json kPodmanTop = json::parse(R"({"Titles": ["PID", "USER", "COMMAND"],
  "Processes": [["1", "sandbox", "sleep infinity"], "junk", ["7", "root"]]})");

TEST(Timestamp, ParsesNanosecondsZuluAndOffsets) {
  auto a = parse_timestamp("2026-02-09T12:34:56.123456789Z");
  auto b = parse_timestamp("2026-02-09T12:34:56.123456+00:00");
  auto c = parse_timestamp("2026-02-09T14:34:56.123456+02:00");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(*b, *c);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(a->time_since_epoch()).count() % 1000000, 123456);
  EXPECT_FALSE(parse_timestamp("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_timestamp(""));
  EXPECT_FALSE(parse_timestamp("yesterday"));
}

TEST(ContainerInfoParse, PodmanRunningWithTwoSamples) {
  auto cpu = cpu_percent_between(kPodmanStats, kPodmanStatsLater);
  ASSERT_TRUE(cpu);
  EXPECT_DOUBLE_EQ(*cpu, 50.0);                 // 0.25 s of CPU in 0.5 s of wall clock
  EXPECT_FALSE(previous_sample(kPodmanStats));  // Podman leaves precpu empty
  auto now = *parse_timestamp("2026-12-01T13:14:03.607180617Z");
  auto info = build_container_info(kPodmanInspect, &kPodmanStatsLater, cpu, &kPodmanTop, "n1", now);
  EXPECT_EQ(info.id, "abc123");
  EXPECT_EQ(info.name, "n1");
  EXPECT_EQ(info.status, "running");
  EXPECT_EQ(info.image, "docker.io/pocketdock/minimal-shell:latest");
  ASSERT_TRUE(info.uptime);
  EXPECT_EQ(info.uptime->count(), 10'000'000);
  EXPECT_EQ(info.memory_usage, "42.0 MB");
  EXPECT_EQ(info.memory_limit, "256.0 MB");
  EXPECT_DOUBLE_EQ(info.memory_percent, 16.41);
  EXPECT_DOUBLE_EQ(info.cpu_percent, 50.0);
  EXPECT_EQ(info.pids, 3);
  EXPECT_TRUE(info.network);
  EXPECT_EQ(info.ip_address, "10.88.0.11");  // from Networks: the top-level one is empty
  EXPECT_EQ(info.ports, (std::map<int, int>{{34209, 8080}}));
  ASSERT_EQ(info.processes.size(), 2U);
  EXPECT_EQ(info.processes[0].at("COMMAND"), "sleep infinity");
  EXPECT_EQ(info.processes[1].size(), 2U);
}

TEST(ContainerInfoParse, DockerOneSampleUsesPreviousAndInactiveFile) {
  auto previous = previous_sample(kDockerStats);
  ASSERT_TRUE(previous);
  auto cpu = cpu_percent_between(*previous, kDockerStats);
  ASSERT_TRUE(cpu);
  EXPECT_DOUBLE_EQ(*cpu, 50.0);
  EXPECT_EQ(memory_used(kDockerStats), 6291456);
  auto info = build_container_info(kDockerInspect, &kDockerStats, cpu, nullptr, "d", std::chrono::system_clock::now());
  EXPECT_EQ(info.memory_usage, "6.0 MB");
  EXPECT_EQ(info.memory_limit, "23.5 GB");
  EXPECT_EQ(info.ip_address, "172.17.0.2");
  EXPECT_EQ(info.ports, (std::map<int, int>{{8080, 80}}));  // bad entries skipped
  EXPECT_TRUE(info.processes.empty());
}

TEST(ContainerInfoParse, StoppedContainerHasEmptyUsage) {
  json inspect = kDockerInspect;
  inspect["State"] = {{"Status", "exited"}, {"Running", false}, {"StartedAt", "2026-12-01T13:14:00Z"}};
  inspect["NetworkSettings"]["IPAddress"] = "";
  inspect["NetworkSettings"]["Networks"] = json::object();
  auto info = build_container_info(inspect, nullptr, std::nullopt, nullptr, "d", std::chrono::system_clock::now());
  EXPECT_EQ(info.status, "exited");
  EXPECT_EQ(info.memory_usage, "");
  EXPECT_EQ(info.memory_limit, "");
  EXPECT_EQ(info.pids, 0);
  EXPECT_EQ(info.cpu_percent, 0.0);
  EXPECT_FALSE(info.uptime);
  EXPECT_TRUE(info.started_at);
  EXPECT_FALSE(info.network);
  EXPECT_TRUE(info.processes.empty());
}

TEST(ContainerInfoParse, DefaultsForEmptyInspect) {
  auto info =
      build_container_info(json::object(), nullptr, std::nullopt, nullptr, "x", std::chrono::system_clock::now());
  EXPECT_EQ(info.status, "unknown");
  EXPECT_EQ(info.created_at, Timestamp{});
}

TEST(ContainerInfoParse, NetworkNoneIsOffline) {
  json inspect = kPodmanInspect;
  inspect["HostConfig"]["NetworkMode"] = "none";
  inspect["NetworkSettings"]["Networks"] = json::object();
  EXPECT_FALSE(build_container_info(inspect, nullptr, {}, nullptr, "x", {}).network);
}

TEST(ImageReference, SplitsAtATagColonOnly) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(split_image_reference("myrepo:v1"), P("myrepo", "v1"));
  EXPECT_EQ(split_image_reference("myrepo"), P("myrepo", "latest"));
  EXPECT_EQ(split_image_reference("registry.io/repo:v2"), P("registry.io/repo", "v2"));
  EXPECT_EQ(split_image_reference("localhost:5000/img"), P("localhost:5000/img", "latest"));
  EXPECT_EQ(split_image_reference("localhost:5000/img:t"), P("localhost:5000/img", "t"));
  EXPECT_THROW((void)split_image_reference(""), InvalidArgument);
  EXPECT_THROW((void)split_image_reference("repo:"), InvalidArgument);
}

TEST(CreateOptionsFromInspect, RestoresWhatAFreshRebootNeeds) {
  auto o = create_options_from_inspect(kPodmanInspect);
  EXPECT_EQ(o.image, "docker.io/pocketdock/minimal-shell:latest");
  EXPECT_EQ(o.mem_limit, "268435456b");
  EXPECT_EQ(o.cpu_percent, 50);
  EXPECT_EQ(o.volumes, (std::map<std::string, std::string>{{"/h", "/c"}}));
  EXPECT_EQ(o.devices, std::vector<std::string>{"/dev/null"});
  ASSERT_EQ(o.ports.size(), 1U);
  EXPECT_EQ(o.ports[0], (PortMapping{.host = 0, .container = 8080, .host_ip = "127.0.0.1"}));
  EXPECT_EQ(o.env.at("A"), "b=c");
  EXPECT_EQ(o.workdir, "/home/sandbox");
  EXPECT_EQ(o.user, "sandbox");
  EXPECT_TRUE(o.persist);
  EXPECT_EQ(o.project, "p1");
  EXPECT_EQ(o.labels, (std::map<std::string, std::string>{{"pocketdock.test", "true"}, {"x", "y"}}));
  EXPECT_FALSE(o.network);
}

}  // namespace
