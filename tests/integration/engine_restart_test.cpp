// The engine itself killed and restarted while a container is in use: a private engine instance
// (never the shared one other tests use) is SIGKILLed and started again on the same socket.
#include "support/engines.hpp"
#include "support/private_engine.hpp"

#include "engine_api.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(EngineRestart, KilledEngineIsATypedErrorAndTheSameHandleWorksAfterRestart) {
  pdtest::PrivateEngine engine(pdtest::engine_kind());
  auto opts = pdtest::sandbox_options();
  opts.engine.socket = engine.socket();
  opts.engine.api_timeout = 10s;
  opts.network = false;
  auto c = pocketdock::create_new_container(opts);
  ASSERT_EQ(c.run("echo one").out, "one\n");

  engine.kill();
  auto started = Clock::now();
  try {
    (void)c.run("echo two");
    FAIL() << "run() on a killed engine did not throw";
  } catch (const pocketdock::SocketConnectionError& e) {
    EXPECT_EQ(e.socket_path(), engine.socket());
    EXPECT_NE(std::string(e.what()).find(engine.socket()), std::string::npos) << e.what();
  }
  EXPECT_LT(Clock::now() - started, opts.engine.api_timeout);

  engine.restart();
  auto r = c.run("echo three");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "three\n");
  c.write_file("/restart/x.txt", "after restart");
  EXPECT_EQ(c.read_file("/restart/x.txt"), "after restart");

  std::string id = c.id();
  c.shutdown();
  auto raw = pocketdock::detail::EngineClient::connect({.socket = engine.socket()});
  EXPECT_THROW((void)raw->inspect_container(id), pocketdock::ContainerNotFound);
}

}  // namespace
