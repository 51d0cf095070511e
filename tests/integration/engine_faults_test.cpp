// Faults a real engine produces: a container removed behind its handle's back, and a command
// killed by the container's memory limit.
#include "support/engines.hpp"

#include "engine_api.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using pocketdock::Command;
using pocketdock::ContainerGone;
using pocketdock::ContainerNotFound;
using pocketdock::create_new_container;

// Every kind of call on a handle whose container was removed through the raw engine API gives
// ContainerGone naming the container (a lookup by a name that never existed stays ContainerNotFound).
TEST(EngineFaults, ContainerRemovedBehindTheHandleIsContainerGone) {
  auto c = create_new_container(pdtest::sandbox_options());
  ASSERT_EQ(c.run("echo before").out, "before\n");
  std::string id = c.id();
  pdtest::raw_engine()->remove_container(id, true);

  auto expect_gone = [&](const char* what, auto&& call) {
    try {
      call();
      ADD_FAILURE() << what << ": no exception";
    } catch (const ContainerGone& e) {
      EXPECT_EQ(e.container_id(), id) << what;
      EXPECT_NE(std::string(e.what()).find(id), std::string::npos) << what << ": " << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << what << ": wrong exception: " << e.what();
    }
  };
  expect_gone("run", [&] { (void)c.run("echo after"); });
  expect_gone("write_file", [&] { c.write_file("/tmp/x.txt", "x"); });
  expect_gone("read_file", [&] { (void)c.read_file("/etc/hostname"); });
  expect_gone("info", [&] { (void)c.info(); });
  expect_gone("session", [&] { (void)c.session(); });
  expect_gone("stream", [&] { (void)c.stream("echo s"); });
  expect_gone("spawn", [&] { (void)c.spawn("sleep 1"); });
  EXPECT_NO_THROW(c.shutdown());  // already gone: shutdown's goal is reached

  try {
    (void)pocketdock::attach_container(pdtest::unique_name("never"), {.engine = {.socket = pdtest::engine_socket()}});
    ADD_FAILURE() << "attach of a missing name: no exception";
  } catch (const ContainerNotFound& e) {
    EXPECT_EQ(dynamic_cast<const ContainerGone*>(&e), nullptr) << e.what();
  }
}

// The memory limit's OOM killer ends the command: exit 137 and oom_killed; the container keeps
// running, a normal command is not flagged, and a self-inflicted SIGKILL is not an OOM kill.
TEST(EngineFaults, CommandKilledByTheMemoryLimitIsOomKilled) {
  auto opts = pdtest::sandbox_options();
  opts.mem_limit = "64m";
  opts.network = false;
  auto c = create_new_container(opts);

  auto normal = c.run("echo fine");
  EXPECT_EQ(normal.exit_code, 0);
  EXPECT_FALSE(normal.oom_killed);

  auto oom = c.run("head -c 200m /dev/zero | tail");
  EXPECT_EQ(oom.exit_code, 137) << oom.err;
  EXPECT_TRUE(oom.oom_killed);

  auto self_kill = c.run("kill -9 $$");
  EXPECT_EQ(self_kill.exit_code, 137);
  EXPECT_FALSE(self_kill.oom_killed);

  auto after = c.run("echo still-here");
  EXPECT_EQ(after.out, "still-here\n");
  EXPECT_FALSE(after.oom_killed);

  // A handle attached later does not claim the kill that happened before it.
  auto attached = pocketdock::attach_container(c.name(), {.engine = {.socket = pdtest::engine_socket()}});
  auto again = attached.run("kill -9 $$");
  EXPECT_EQ(again.exit_code, 137);
  EXPECT_FALSE(again.oom_killed);
  auto oom2 = attached.run("head -c 200m /dev/zero | tail");
  EXPECT_EQ(oom2.exit_code, 137);
  EXPECT_TRUE(oom2.oom_killed);
}

}  // namespace
