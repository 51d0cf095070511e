// Security profiles and runtimes against a real engine (issue 13, items 1 and 2).
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::Container;
using pocketdock::create_new_container;
using pocketdock::InvalidArgument;
using pocketdock::SecurityProfile;
using ::testing::HasSubstr;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// The capability mask a set of names gives (bit numbers of linux/capability.h).
std::uint64_t mask_of(const std::vector<std::string>& caps) {
  static const std::map<std::string, int> bits = {
      {"CHOWN", 0}, {"DAC_OVERRIDE", 1}, {"FOWNER", 3}, {"FSETID", 4},
      {"KILL", 5},  {"SETGID", 6},       {"SETUID", 7}, {"NET_BIND_SERVICE", 10}};
  std::uint64_t mask = 0;
  for (const auto& c : caps) mask |= std::uint64_t{1} << bits.at(c);
  return mask;
}

// A field of /proc/self/status of a shell run as `user` (the test image's default user is
// uid 1000, which holds no effective capabilities), e.g. "CapEff" -> "00000000000000fb".
std::string status_field(Container& c, const std::string& field, const std::string& user = "0") {
  auto r = c.run("grep '^" + field + ":' /proc/self/status", {.user = user});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto tab = r.out.find_first_of(" \t");
  if (tab == std::string::npos) return {};
  std::string v = r.out.substr(tab);
  v.erase(0, v.find_first_not_of(" \t"));
  return trim(v);
}

std::uint64_t cap_eff(Container& c, const std::string& user = "0") {
  return std::stoull(status_field(c, "CapEff", user), nullptr, 16);
}

pocketdock::CreateOptions with_profile(SecurityProfile profile) {
  auto o = pdtest::sandbox_options();
  o.security.profile = profile;
  return o;
}

// The test image runs as uid 1000 (no effective capabilities at all). The standard set is what a
// root user gets; on Docker an exec as root gets it only when the container's user is root too
// (with no-new-privileges, an exec inherits the permitted set of the container's process).
pocketdock::CreateOptions as_root() {
  auto o = pdtest::sandbox_options();
  o.user = "0";
  return o;
}

std::string message_of(const pocketdock::CreateOptions& o) {
  try {
    auto c = create_new_container(o);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "no InvalidArgument";
}

TEST(SecurityStandard, DefaultContainerIsConfined) {
  auto c = create_new_container(as_root());
  EXPECT_EQ(status_field(c, "NoNewPrivs"), "1");
  EXPECT_EQ(cap_eff(c), mask_of(pocketdock::standard_capabilities()));
  EXPECT_EQ(trim(c.run("ls /sys/class/net").out), "lo");
  auto ping = c.run("ping -c1 -W1 127.0.0.1", {.user = "0"});  // root, but without NET_RAW
  EXPECT_NE(ping.exit_code, 0) << ping.out << ping.err;

  auto info = c.info();
  EXPECT_EQ(info.security.profile, "standard");
  EXPECT_TRUE(info.security.no_new_privileges);
  EXPECT_EQ(info.security.pids_limit, 1024);
  EXPECT_EQ(info.security.network_mode, "none");
  EXPECT_FALSE(info.security.read_only_root);
  EXPECT_FALSE(info.security.runtime.empty());
  EXPECT_FALSE(info.network);
}

TEST(SecurityStandard, OrdinaryShellWorkChownAndHomeSucceed) {
  auto c = create_new_container(as_root());
  auto r = c.run(
      "set -e; mkdir -p /tmp/w && cd /tmp/w && echo hello > f && cat f | tr a-z A-Z; "
      "chown 1:1 f && stat -c %u:%g f; echo home > /home/sandbox/note && cat /home/sandbox/note; "
      "chmod 600 f && ls -l f | cut -c1-10",
      {.user = "0"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "HELLO\n1:1\nhome\n-rw-------\n");
  auto as_user = c.run("echo mine > /home/sandbox/own && cat /home/sandbox/own", {.user = "1000"});
  EXPECT_EQ(as_user.exit_code, 0) << as_user.err;
  auto image_user = create_new_container(pdtest::sandbox_options());  // the image's own user
  auto home = image_user.run("echo mine > \"$HOME/own\" && cat \"$HOME/own\"");
  EXPECT_EQ(home.out, "mine\n") << home.err;
}

TEST(SecurityStandard, ForkBombIsStoppedByThePidsLimitAndTheContainerStaysUsable) {
  auto c = create_new_container(as_root());
  // Each sleep holds a pid for a few seconds; the shell dies at the first fork the limit refuses.
  auto r = c.run(
      "i=0; while [ $i -lt 3000 ]; do sleep 6 </dev/null >/dev/null 2>&1 & i=$((i+1)); echo $i > /tmp/started; done",
      {.timeout = 60s, .user = "0"});  // root: RLIMIT_NPROC does not apply, only the pids limit
  EXPECT_THAT(r.err, HasSubstr("can't fork"));
  // The sleeps end on their own (until then even an exec may find no free pid): wait until the
  // container holds few processes again (counted with shell builtins only), then use it.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string out;
  int procs = -1;
  while (std::chrono::steady_clock::now() < deadline) {
    try {
      out = c.run("cat /tmp/started; n=0; for d in /proc/[0-9]*; do n=$((n+1)); done; echo $n", {.timeout = 10s}).out;
    } catch (const pocketdock::PocketDockError&) {
      out.clear();
    }
    auto nl = out.find('\n');
    if (nl != std::string::npos && nl + 1 < out.size()) procs = std::stoi(out.substr(nl + 1));
    if (procs >= 0 && procs < 50) break;
    std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(procs >= 0 && procs < 50) << "the container did not recover: " << out;
  int started = std::stoi(out);
  EXPECT_LT(started, 1024);
  EXPECT_GT(started, 900);
  EXPECT_EQ(c.run("echo ok").out, "ok\n");
}

TEST(SecurityStandard, NetworkOnRequestAndLowPortBindCapability) {
  auto o = pdtest::sandbox_options();
  o.network = true;
  auto c = create_new_container(o);
  EXPECT_NE(trim(c.run("ls /sys/class/net").out), "lo");
  auto p = as_root();
  p.ports = {{.host = 0, .container = 80}};
  auto d = create_new_container(p);
  EXPECT_EQ(cap_eff(d),
            mask_of({"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE"}));
  EXPECT_NE(trim(d.run("ls /sys/class/net").out), "lo");
}

TEST(SecurityStrict, NonRootReadOnlyNoCapsNoNetwork) {
  auto c = create_new_container(with_profile(SecurityProfile::strict));
  EXPECT_EQ(trim(c.run("id -u").out), "1000");
  auto root = c.run("echo x > /x");
  EXPECT_NE(root.exit_code, 0);
  auto tmp = c.run("echo t > /tmp/t && cat /tmp/t && echo h > \"$HOME/h\" && cat \"$HOME/h\" && pwd");
  EXPECT_EQ(tmp.exit_code, 0) << tmp.err;
  EXPECT_EQ(tmp.out, "t\nh\n/home/sandbox\n");
  EXPECT_EQ(cap_eff(c, ""), 0U);
  EXPECT_EQ(status_field(c, "NoNewPrivs", ""), "1");
  EXPECT_EQ(trim(c.run("ls /sys/class/net").out), "lo");

  auto info = c.info();
  EXPECT_EQ(info.security.profile, "strict");
  EXPECT_TRUE(info.security.read_only_root);
  EXPECT_EQ(info.security.pids_limit, 256);
  EXPECT_TRUE(info.security.tmpfs.contains("/tmp"));
  EXPECT_TRUE(info.security.tmpfs.contains("/home/sandbox"));
  EXPECT_EQ(info.security.user, "1000:1000");
  EXPECT_EQ(info.security.network_mode, "none");
  EXPECT_EQ(info.memory_limit, "512.0 MB");
}

TEST(SecurityStrict, NetworkOrPortsAreRefusedBeforeAnyEngineCall) {
  auto net = with_profile(SecurityProfile::strict);
  net.network = true;
  net.engine.socket = "/nonexistent/engine.sock";  // validation comes first
  EXPECT_THAT(message_of(net), HasSubstr("no network"));
  auto ports = with_profile(SecurityProfile::strict);
  ports.ports = {{.host = 0, .container = 8080}};
  ports.engine.socket = "/nonexistent/engine.sock";
  EXPECT_THAT(message_of(ports), HasSubstr("ports"));
}

TEST(SecurityStrict, OneFieldCanBeAdjusted) {
  auto o = with_profile(SecurityProfile::strict);
  o.security.pids_limit = 512;
  auto c = create_new_container(o);
  auto info = c.info();
  EXPECT_EQ(info.security.pids_limit, 512);
  EXPECT_TRUE(info.security.read_only_root);  // the rest of strict stays
  EXPECT_EQ(cap_eff(c, ""), 0U);
}

// Under strict, /tmp and the home directory are tmpfs mounts: single files go through an exec.
// A write that fills the mount is NoSpaceLeft and leaves no partial file (issue 14, item 2).
TEST(SecurityStrict, FilesOnItsTmpfsMountsAndAFullMount) {
  auto o = with_profile(SecurityProfile::strict);
  o.security.tmpfs_size = "1m";
  auto c = create_new_container(o);
  std::string bytes("a\0b\xff\n", 5);
  c.write_file("/home/sandbox/f", bytes);
  EXPECT_EQ(c.read_file("/home/sandbox/f"), bytes);
  c.write_file("/tmp/small", "ok");
  EXPECT_EQ(c.read_file("/tmp/small"), "ok");

  std::string big(2U << 20, 'x');
  EXPECT_THROW(c.write_file("/tmp/big", big), pocketdock::NoSpaceLeft);
  EXPECT_THAT(c.list_files("/tmp"), ::testing::ElementsAre("small"));  // no partial file left
  c.write_file("/tmp/after", "still works");
  EXPECT_EQ(c.read_file("/tmp/after"), "still works");
}

TEST(SecurityNone, KeepsTheEngineDefaults) {
  auto o = as_root();
  o.security.profile = SecurityProfile::none;
  auto c = create_new_container(o);
  std::uint64_t eff = cap_eff(c);
  EXPECT_NE(eff & ~mask_of(pocketdock::standard_capabilities()), 0U) << std::hex << eff;
  EXPECT_EQ(status_field(c, "NoNewPrivs"), "0");
  EXPECT_NE(trim(c.run("ls /sys/class/net").out), "lo");
  EXPECT_EQ(c.info().security.profile, "none");
}

TEST(Runtime, UnknownRuntimeNamesWhatTheEngineOffers) {
  auto o = pdtest::sandbox_options();
  o.runtime = "no-such-runtime";
  std::string m = message_of(o);
  EXPECT_THAT(m, HasSubstr("no-such-runtime"));
  EXPECT_THAT(m, HasSubstr("runc"));
}

TEST(Runtime, ContainerRunsUnderTheRuntimeItReports) {
  const char* wanted = std::getenv("POCKETDOCK_TEST_RUNTIME");
  bool gvisor = wanted != nullptr && std::string(wanted) == "runsc";
  auto c = create_new_container(pdtest::sandbox_options());
  auto dmesg = c.run("dmesg 2>&1; cat /proc/version");
  EXPECT_EQ(dmesg.out.find("gVisor") != std::string::npos, gvisor) << dmesg.out;
  EXPECT_EQ(c.info().security.runtime, gvisor ? "runsc" : "runc");
}

// File transfers outside tmpfs mounts work under every runtime (gVisor shares the rootfs with the
// engine through its gofer; its /tmp may be a tmpfs of its own, refused like any tmpfs path).
TEST(Runtime, FilesRoundTripInTheHomeDirectory) {
  auto c = create_new_container(pdtest::sandbox_options());
  c.write_file("/home/sandbox/in/a.txt", "alpha\n", 0604);
  EXPECT_EQ(c.read_file("/home/sandbox/in/a.txt"), "alpha\n");
  EXPECT_EQ(c.run("cat /home/sandbox/in/a.txt && stat -c %a /home/sandbox/in/a.txt").out, "alpha\n604\n");
  ASSERT_EQ(c.run("mkdir -p /home/sandbox/out/d && echo beta > /home/sandbox/out/d/b.txt").exit_code, 0);
  EXPECT_EQ(c.read_file("/home/sandbox/out/d/b.txt"), "beta\n");
  EXPECT_EQ(c.list_files("/home/sandbox/out"), std::vector<std::string>{"d"});
}

TEST(Runtime, RunscIsPerContainerOnDockerAndPerServiceOnPodman) {
  auto o = pdtest::sandbox_options();
  o.engine.socket = pdtest::engine_main_socket();
  o.runtime = "runsc";
  if (pdtest::engine_kind() == "podman") {
    EXPECT_THAT(message_of(o), HasSubstr("service"));
    return;
  }
  auto c = create_new_container(o);
  EXPECT_THAT(c.run("dmesg").out, HasSubstr("gVisor"));
  EXPECT_EQ(c.info().security.runtime, "runsc");
  EXPECT_EQ(c.run("echo ok").out, "ok\n");
}

}  // namespace
