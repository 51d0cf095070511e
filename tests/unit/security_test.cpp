// Security profiles: the create body of each profile, overrides, validation, the posture read
// back from inspect answers of both engines, and the runtimes of /info.
#include "container_info.hpp"
#include "container_state.hpp"
#include "engine_api.hpp"

#include <pocketdock/json.hpp>
#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

namespace {

using namespace pocketdock;
using namespace pocketdock::detail;
using nlohmann::json;

json body_of(const CreateOptions& o) {
  validate_create_options(o);
  return container_create_body(o, "pd-12345678", o.image, "", "", "2026-01-01T00:00:00.000000+00:00");
}

const json kStandardCaps = {"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID"};

TEST(SecurityProfile, NamesRoundTrip) {
  for (auto p : {SecurityProfile::standard, SecurityProfile::strict, SecurityProfile::none}) {
    EXPECT_EQ(parse_security_profile(to_string(p)), p);
  }
  EXPECT_FALSE(parse_security_profile("Strict"));
  EXPECT_FALSE(parse_security_profile(""));
}

TEST(SecurityBody, StandardIsTheDefault) {
  auto b = body_of({.image = "img"});
  const json& h = b["HostConfig"];
  EXPECT_EQ(h["CapDrop"], json{"ALL"});
  EXPECT_EQ(h["CapAdd"], kStandardCaps);
  EXPECT_EQ(h["SecurityOpt"], json{"no-new-privileges"});
  EXPECT_EQ(h["PidsLimit"], 1024);
  EXPECT_EQ(h["Init"], true);
  EXPECT_EQ(h["NetworkMode"], "none");
  EXPECT_FALSE(h.contains("ReadonlyRootfs"));
  EXPECT_FALSE(h.contains("Tmpfs"));
  EXPECT_FALSE(h.contains("Memory"));
  EXPECT_FALSE(h.contains("Runtime"));
  EXPECT_FALSE(b.contains("User"));
  EXPECT_EQ(b["Labels"]["pocketdock.security"], "standard");
}

TEST(SecurityBody, StandardNetworkFollowsPortsAndOption) {
  auto high = body_of({.image = "img", .ports = {{0, 8080}}});
  EXPECT_FALSE(high["HostConfig"].contains("NetworkMode"));
  EXPECT_EQ(high["HostConfig"]["CapAdd"], kStandardCaps);
  auto low = body_of({.image = "img", .ports = {{0, 80}}});
  json with_bind = kStandardCaps;
  with_bind.push_back("NET_BIND_SERVICE");
  EXPECT_EQ(low["HostConfig"]["CapAdd"], with_bind);
  EXPECT_FALSE(body_of({.image = "img", .network = true})["HostConfig"].contains("NetworkMode"));
  EXPECT_EQ(body_of({.image = "img", .network = false})["HostConfig"]["NetworkMode"], "none");
}

TEST(SecurityBody, Strict) {
  auto b = body_of({.image = "img", .security = {.profile = SecurityProfile::strict}});
  const json& h = b["HostConfig"];
  EXPECT_EQ(h["CapDrop"], json{"ALL"});
  EXPECT_EQ(h["CapAdd"], json::array());
  EXPECT_EQ(h["SecurityOpt"], json{"no-new-privileges"});
  EXPECT_EQ(h["PidsLimit"], 256);
  EXPECT_EQ(h["Memory"], 512LL * 1024 * 1024);
  EXPECT_EQ(h["ReadonlyRootfs"], true);
  EXPECT_EQ(h["NetworkMode"], "none");
  std::string opts = "rw,exec,nosuid,nodev,size=67108864,mode=1777,uid=1000,gid=1000";
  EXPECT_EQ(h["Tmpfs"], (json{{"/tmp", opts}, {"/home/sandbox", opts}}));
  EXPECT_EQ(b["User"], "1000:1000");
  EXPECT_EQ(b["WorkingDir"], "/home/sandbox");
  EXPECT_EQ(b["Env"], json{"HOME=/home/sandbox"});
  EXPECT_EQ(b["Labels"]["pocketdock.security"], "strict");
}

TEST(SecurityBody, StrictKeepsCallerValuesAndOverrides) {
  auto b = body_of({.image = "img",
                    .mem_limit = "1g",
                    .env = {{"HOME", "/w"}},
                    .workdir = "/w",
                    .user = "1001",
                    .security = {.profile = SecurityProfile::strict, .pids_limit = 512, .tmpfs_size = "16m"}});
  const json& h = b["HostConfig"];
  EXPECT_EQ(h["PidsLimit"], 512);
  EXPECT_EQ(h["Memory"], 1LL << 30);
  EXPECT_EQ(h["CapAdd"], json::array());  // untouched by the pids override
  EXPECT_EQ(h["ReadonlyRootfs"], true);
  EXPECT_EQ(h["Tmpfs"].size(), 3U);
  EXPECT_EQ(h["Tmpfs"]["/w"], "rw,exec,nosuid,nodev,size=16777216,mode=1777,uid=1001");
  EXPECT_EQ(b["User"], "1001");
  EXPECT_EQ(b["WorkingDir"], "/w");
  EXPECT_EQ(b["Env"], json{"HOME=/w"});
}

TEST(SecurityBody, PodmanGetsItsOwnSpellingOfTheTmpfsOwner) {
  auto b = body_of({.image = "img", .security = {.profile = SecurityProfile::strict}});
  auto p = podman_create_body(b);
  EXPECT_EQ(p["HostConfig"]["Tmpfs"]["/tmp"], "rw,exec,nosuid,nodev,size=67108864,mode=1777,U");
  p["HostConfig"].erase("Tmpfs");
  b["HostConfig"].erase("Tmpfs");
  EXPECT_EQ(p, b);  // nothing else changes
  json odd = {{"HostConfig", {{"Tmpfs", {{"/a", "uid=1"}, {"/b", 7}, {"/c", "size=1m"}}}}}};
  auto q = podman_create_body(odd);
  EXPECT_EQ(q["HostConfig"]["Tmpfs"]["/a"], "U");
  EXPECT_EQ(q["HostConfig"]["Tmpfs"]["/b"], 7);
  EXPECT_EQ(q["HostConfig"]["Tmpfs"]["/c"], "size=1m");
  EXPECT_EQ(podman_create_body(json::array()), json::array());
}

TEST(SecurityBody, NoneIsTheEngineDefault) {
  auto b = body_of({.image = "img", .security = {.profile = SecurityProfile::none}});
  const json& h = b["HostConfig"];
  for (const char* key : {"CapDrop", "CapAdd", "SecurityOpt", "PidsLimit", "ReadonlyRootfs", "Tmpfs", "NetworkMode"}) {
    EXPECT_FALSE(h.contains(key)) << key;
  }
  EXPECT_EQ(h["Init"], true);
  EXPECT_EQ(body_of({.image = "img",
                     .network = false,
                     .security = {.profile = SecurityProfile::none}})["HostConfig"]["NetworkMode"],
            "none");
}

TEST(SecurityBody, FieldOverridesOnAnyProfile) {
  auto b = body_of({.image = "img",
                    .security = {.profile = SecurityProfile::none,
                                 .no_new_privileges = true,
                                 .capabilities = std::vector<std::string>{"NET_RAW"},
                                 .read_only_root = true},
                    .runtime = "runsc"});
  const json& h = b["HostConfig"];
  EXPECT_EQ(h["CapDrop"], json{"ALL"});
  EXPECT_EQ(h["CapAdd"], json{"NET_RAW"});
  EXPECT_EQ(h["SecurityOpt"], json{"no-new-privileges"});
  EXPECT_EQ(h["ReadonlyRootfs"], true);
  EXPECT_TRUE(h["Tmpfs"].contains("/tmp"));
  EXPECT_EQ(h["Runtime"], "runsc");
  auto open = body_of({.image = "img", .security = {.no_new_privileges = false, .pids_limit = 0}});
  EXPECT_FALSE(open["HostConfig"].contains("SecurityOpt"));
  EXPECT_FALSE(open["HostConfig"].contains("PidsLimit"));
}

TEST(SecurityBody, ValidationSaysWhatIsWrong) {
  auto message = [](const CreateOptions& o) {
    try {
      validate_create_options(o);
    } catch (const InvalidArgument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  SecurityOptions strict{.profile = SecurityProfile::strict};
  EXPECT_NE(message({.network = true, .security = strict}).find("no network"), std::string::npos);
  EXPECT_NE(message({.ports = {{0, 8080}}, .security = strict}).find("ports"), std::string::npos);
  EXPECT_NE(message({.workdir = "/", .security = strict}).find("working directory"), std::string::npos);
  EXPECT_NE(message({.user = "sandbox", .security = strict}).find("numeric user"), std::string::npos);
  EXPECT_NE(message({.security = {.capabilities = std::vector<std::string>{"CAP_CHOWN"}}}).find("capability"),
            std::string::npos);
  EXPECT_NE(message({.security = {.capabilities = std::vector<std::string>{"chown; rm"}}}).find("capability"),
            std::string::npos);
  EXPECT_NE(message({.security = {.pids_limit = -1}}).find("pids_limit"), std::string::npos);
  EXPECT_NE(message({.security = {.tmpfs_size = "0"}}).find("tmpfs_size"), std::string::npos);
  EXPECT_NE(message({.runtime = "run sc"}).find("runtime"), std::string::npos);
  EXPECT_EQ(message({.network = false, .security = strict}), "no error");
}

const json kDockerInspect = json::parse(R"({
  "Id": "d1", "Config": {"User": "1000:1000", "Labels": {"pocketdock.security": "strict"}},
  "HostConfig": {"CapAdd": [], "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges"], "PidsLimit": 512,
                 "ReadonlyRootfs": true, "Tmpfs": {"/tmp": "rw,size=67108864,mode=1777"},
                 "NetworkMode": "none", "Runtime": "runc", "Memory": 536870912}
})");

const json kPodmanInspect = json::parse(R"({
  "Id": "p1", "Config": {"User": "", "Labels": {"pocketdock.security": "standard"}},
  "HostConfig": {"CapAdd": [], "CapDrop": ["AUDIT_WRITE", "MKNOD", "NET_BIND_SERVICE", "NET_RAW", "SETFCAP",
                 "SETPCAP", "SYS_CHROOT"], "SecurityOpt": ["no-new-privileges"], "PidsLimit": 1024,
                 "ReadonlyRootfs": false, "NetworkMode": "bridge", "Runtime": "oci"}
})");

TEST(SecurityPostureParse, DockerAndPodmanInspect) {
  auto d = parse_security_posture(kDockerInspect);
  EXPECT_EQ(d.profile, "strict");
  EXPECT_TRUE(d.no_new_privileges);
  EXPECT_EQ(d.cap_drop, std::vector<std::string>{"ALL"});
  EXPECT_TRUE(d.cap_add.empty());
  EXPECT_EQ(d.pids_limit, 512);
  EXPECT_TRUE(d.read_only_root);
  EXPECT_EQ(d.tmpfs.at("/tmp"), "rw,size=67108864,mode=1777");
  EXPECT_EQ(d.network_mode, "none");
  EXPECT_EQ(d.user, "1000:1000");
  EXPECT_EQ(d.runtime, "");  // read by the engine layer, not from the compat inspect
  auto p = parse_security_posture(kPodmanInspect);
  EXPECT_EQ(p.profile, "standard");
  EXPECT_EQ(p.cap_drop.size(), 7U);
  EXPECT_EQ(p.pids_limit, 1024);
  EXPECT_FALSE(p.read_only_root);
  EXPECT_EQ(p.network_mode, "bridge");
}

TEST(SecurityPostureParse, UntrustedValuesAreBoundedOrDropped) {
  json bad = json::parse(R"({"Config": {"Labels": {"pocketdock.security": "root-please"}, "User": 7},
    "HostConfig": {"CapAdd": "ALL", "CapDrop": [1, "NET_RAW"], "PidsLimit": -1, "SecurityOpt": "no-new-privileges",
                   "ReadonlyRootfs": "yes", "Tmpfs": {"/tmp": 5}}})");
  auto p = parse_security_posture(bad);
  EXPECT_EQ(p.profile, "");
  EXPECT_TRUE(p.cap_add.empty());
  EXPECT_EQ(p.cap_drop, std::vector<std::string>{"NET_RAW"});
  EXPECT_FALSE(p.pids_limit);
  EXPECT_FALSE(p.no_new_privileges);
  EXPECT_FALSE(p.read_only_root);
  EXPECT_TRUE(p.tmpfs.empty());
  EXPECT_EQ(p.user, "");
  json many = {{"HostConfig", {{"CapAdd", json::array()}}}};
  for (int i = 0; i < 1000; ++i) many["HostConfig"]["CapAdd"].push_back("X");
  EXPECT_EQ(parse_security_posture(many).cap_add.size(), 64U);
  EXPECT_EQ(parse_security_posture(json::array()), SecurityPosture{});
}

TEST(SecurityPostureParse, JsonRoundTrip) {
  ContainerInfo info;
  info.security = parse_security_posture(kDockerInspect);
  info.security.runtime = "runsc";
  json j = info;
  EXPECT_EQ(j["security"]["pids_limit"], 512);
  EXPECT_EQ(j["security"]["runtime"], "runsc");
  EXPECT_EQ(j.get<ContainerInfo>().security, info.security);
}

TEST(SecurityPostureParse, ResumedContainerKeepsItsProfile) {
  auto strict = create_options_from_inspect(kDockerInspect);
  EXPECT_EQ(strict.security.profile, SecurityProfile::strict);
  EXPECT_EQ(strict.security.pids_limit, 512);
  EXPECT_EQ(strict.network, false);
  auto standard = create_options_from_inspect(kPodmanInspect);
  EXPECT_EQ(standard.security.profile, SecurityProfile::standard);
  EXPECT_EQ(standard.network, true);  // it had a network: a fresh reboot keeps it
  auto old = create_options_from_inspect(json::parse(R"({"HostConfig": {"NetworkMode": "bridge"}})"));
  EXPECT_EQ(old.security.profile, SecurityProfile::none);
  EXPECT_FALSE(old.network);
}

TEST(EngineRuntimesParse, BothEnginesAndHostileAnswers) {
  auto docker = parse_engine_runtimes(json::parse(
      R"({"Runtimes": {"runc": {"path": "runc"}, "runsc": {"path": "/w"}, "io.containerd.runc.v2": {}},
          "DefaultRuntime": "runc"})"));
  EXPECT_EQ(docker.names, (std::vector<std::string>{"io.containerd.runc.v2", "runc", "runsc"}));
  EXPECT_EQ(docker.default_runtime, "runc");
  auto hostile = parse_engine_runtimes(
      json::parse(R"({"Runtimes": {"ok": {}, "bad name": {}, "x;rm": {}}, "DefaultRuntime": ["runc"]})"));
  EXPECT_EQ(hostile.names, std::vector<std::string>{"ok"});
  EXPECT_EQ(hostile.default_runtime, "");
  json many = {{"Runtimes", json::object()}};
  for (int i = 0; i < 500; ++i) many["Runtimes"]["r" + std::to_string(i)] = json::object();
  EXPECT_EQ(parse_engine_runtimes(many).names.size(), 64U);
  EXPECT_TRUE(parse_engine_runtimes(json("text")).names.empty());
}

}  // namespace
