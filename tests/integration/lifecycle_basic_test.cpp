// Container creation, naming, labels and shutdown against a real engine.
#include "support/engines.hpp"

#include "engine_api.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <regex>

namespace {

using pocketdock::create_new_container;

std::shared_ptr<pocketdock::detail::EngineClient> raw_engine() {
  return pocketdock::detail::EngineClient::connect({.socket = pdtest::engine_socket()});
}

TEST(Lifecycle, CreateSetsNameLabelsAndInit) {
  auto opts = pdtest::sandbox_options();
  opts.name.clear();
  auto c = create_new_container(opts);
  EXPECT_TRUE(std::regex_match(c.name(), std::regex("pd-[0-9a-f]{8}"))) << c.name();
  EXPECT_GT(c.id().size(), 10U);
  EXPECT_EQ(c.engine().socket_path, pdtest::engine_socket());
  auto j = raw_engine()->inspect_container(c.id());
  EXPECT_TRUE(j["State"]["Running"].get<bool>());
  auto labels = j["Config"]["Labels"];
  EXPECT_EQ(labels["pocketdock.managed"], "true");
  EXPECT_EQ(labels["pocketdock.instance"], c.name());
  EXPECT_EQ(labels["pocketdock.persist"], "false");
  EXPECT_EQ(labels["pocketdock.test"], "true");
  EXPECT_TRUE(std::regex_match(labels["pocketdock.created-at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00)")));
  EXPECT_EQ(j["Name"].get<std::string>().substr(j["Name"].get<std::string>().find_first_not_of('/')), c.name());
  EXPECT_TRUE(j["HostConfig"]["Init"].get<bool>());
}

TEST(Lifecycle, NameInUseIsAClearError) {
  auto opts = pdtest::sandbox_options();
  auto first = create_new_container(opts);
  EXPECT_THROW((void)create_new_container(opts), pocketdock::ContainerNameInUse);
}

TEST(Lifecycle, MissingImageIsImageNotFound) {
  auto opts = pdtest::sandbox_options();
  opts.image = "pocketdock/nonexistent-image-xyz-12345";
  try {
    (void)create_new_container(opts);
    FAIL() << "expected ImageNotFound";
  } catch (const pocketdock::ImageNotFound& e) {
    EXPECT_EQ(e.image(), opts.image);
  }
}

TEST(Lifecycle, ShutdownRemovesAndIsIdempotent) {
  auto c = create_new_container(pdtest::sandbox_options());
  std::string id = c.id();
  c.shutdown();
  c.shutdown();
  EXPECT_THROW((void)raw_engine()->inspect_container(id), pocketdock::ContainerNotFound);
  EXPECT_THROW((void)c.run("echo x"), pocketdock::ContainerNotFound);
}

TEST(Lifecycle, DestructorRemovesTheContainer) {
  std::string id;
  {
    auto c = create_new_container(pdtest::sandbox_options());
    id = c.id();
    auto moved = std::move(c);
    EXPECT_EQ(moved.id(), id);
  }
  EXPECT_THROW((void)raw_engine()->inspect_container(id), pocketdock::ContainerNotFound);
}

TEST(Lifecycle, ForceShutdownOfOneLeavesTheOther) {
  auto a = create_new_container(pdtest::sandbox_options());
  auto b = create_new_container(pdtest::sandbox_options());
  a.shutdown(true);
  EXPECT_EQ(b.run("echo still-alive").out, "still-alive\n");
}

TEST(Lifecycle, RunOnAStoppedContainerIsNotRunning) {
  auto c = create_new_container(pdtest::sandbox_options());
  raw_engine()->stop_container(c.id(), 0);
  EXPECT_THROW((void)c.run("echo x"), pocketdock::ContainerNotRunning);
}

TEST(Lifecycle, InvalidOptionsAreRejectedBeforeTheEngine) {
  auto opts = pdtest::sandbox_options();
  opts.mem_limit = "1.5g";
  EXPECT_THROW((void)create_new_container(opts), pocketdock::InvalidArgument);
  opts = pdtest::sandbox_options();
  opts.cpu_percent = 0;
  EXPECT_THROW((void)create_new_container(opts), pocketdock::InvalidArgument);
  opts = pdtest::sandbox_options();
  opts.ports = {{.host = 70000, .container = 80}};
  EXPECT_THROW((void)create_new_container(opts), pocketdock::InvalidArgument);
  opts = pdtest::sandbox_options();
  opts.volumes = {{"relative/path", "/data"}};
  EXPECT_THROW((void)create_new_container(opts), pocketdock::InvalidArgument);
  opts = pdtest::sandbox_options();
  opts.name = "bad name!";
  EXPECT_THROW((void)create_new_container(opts), pocketdock::InvalidArgument);
}

}  // namespace
