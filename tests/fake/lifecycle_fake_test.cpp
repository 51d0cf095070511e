// Lifecycle failure paths a real engine cannot be made to produce on demand.
#include "support/fake_engine.hpp"

#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeRequest;
using pocketdock::detail::UnixConnection;

namespace {

constexpr const char* kInspectRunning =
    R"({"Id":"abc123abc123abc123","Created":"2026-12-01T13:13:51Z","State":{"Status":"running","Running":true,)"
    R"("StartedAt":"2026-12-01T13:13:53Z"},"Config":{"Image":"img","Labels":{"pocketdock.instance":"pd-fake0001"}},)"
    R"("HostConfig":{},"NetworkSettings":{"IPAddress":"10.0.0.2"}})";

pocketdock::ManageOptions manage(const FakeEngine& e, std::chrono::milliseconds api_timeout = 2s) {
  return {.engine = {.socket = e.socket_path(), .api_timeout = api_timeout}};
}

// A 304 without Content-Length on a keep-alive connection, as both engines answer a stop of a
// stopped container; the connection is closed only if the client asked for it.
pdtest::FakeHandler not_modified() {
  return [](const FakeRequest& r, UnixConnection& c, FakeEngine&) {
    c.write_all("HTTP/1.1 304 Not Modified\r\nApi-Version: 1.41\r\n\r\n",
                pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    auto it = r.headers.find("connection");
    return !(it != r.headers.end() && it->second == "close");
  };
}

void serve_list(FakeEngine& e, const std::string& body) {
  e.on("GET", "/containers/json", FakeEngine::json(200, body));
}

TEST(FakeLifecycle, StopOfAStoppedContainerAnswering304DoesNotHang) {
  FakeEngine e;
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"exited","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("POST", "/stop", not_modified());
  auto t0 = std::chrono::steady_clock::now();
  pocketdock::stop_container("pd-fake0001", manage(e, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

TEST(FakeLifecycle, ResumeOfARunningContainerAnswering304DoesNotHang) {
  FakeEngine e;
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"exited","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("POST", "/start", not_modified());
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, kInspectRunning));
  auto t0 = std::chrono::steady_clock::now();
  auto c = pocketdock::attach_container("pd-fake0001", manage(e, 5s));
  auto r = pocketdock::resume_container("pd-fake0001", manage(e, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(r.id(), "abc123abc123abc123");
}

TEST(FakeLifecycle, UnknownNameIsContainerNotFound) {
  FakeEngine e;
  serve_list(e, "[]");
  EXPECT_THROW((void)pocketdock::resume_container("pd-none", manage(e)), pocketdock::ContainerNotFound);
  EXPECT_THROW(pocketdock::destroy_container("pd-none", manage(e)), pocketdock::ContainerNotFound);
  EXPECT_THROW(pocketdock::stop_container("pd-none", manage(e)), pocketdock::ContainerNotFound);
}

TEST(FakeLifecycle, ListItemDefaultsAndDockerNames) {
  FakeEngine e;
  // Unlabelled or unnamed items are not managed; a managed one with no state or image gets defaults.
  serve_list(e, R"([{}, {"Id":"0123456789abcdef","Names":["/engine-name"],"State":"running","Labels":null},
                    {"Id":"0123456789abcdef","Names":["/pd-b"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-b"}},
                    {"Id":"x","Names":["pd-a"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-a",
                     "pocketdock.persist":"TRUE","pocketdock.project":"p"}}])");
  auto items = pocketdock::list_containers(manage(e));
  ASSERT_EQ(items.size(), 2U);
  EXPECT_EQ(items[0],
            (pocketdock::ContainerListItem{.id = "0123456789ab", .name = "pd-b", .status = "unknown", .image = ""}));
  EXPECT_EQ(items[1].name, "pd-a");
  EXPECT_TRUE(items[1].persist);
  EXPECT_EQ(items[1].project, "p");
  auto reqs = e.requests();
  ASSERT_FALSE(reqs.empty());
  EXPECT_NE(reqs.back().target.find("pocketdock.managed%3Dtrue"), std::string::npos) << reqs.back().target;
}

TEST(FakeLifecycle, PruneSkipsRunningAndUsesTheProjectFilter) {
  FakeEngine e;
  auto item = [](const char* id, const char* state) {
    return fmt::format(R"({{"Id":"{0}","State":"{1}","Names":["/pd-{0}"],)"
                       R"("Labels":{{"pocketdock.managed":"true","pocketdock.instance":"pd-{0}"}}}})",
                       id, state);
  };
  // d carries the labels of an image (its name is another): not managed, never pruned.
  serve_list(e, fmt::format(R"([{},{},{},{}])", item("a", "running"), item("b", "exited"), item("c", "Created"),
                            R"({"Id":"d","State":"exited","Names":["/other"],"ImageID":"sha256:img",)"
                            R"("Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-d"}})"));
  e.on("GET", "/images/", FakeEngine::json(200, R"({"Config":{"Labels":{"pocketdock.instance":"pd-d"}}})"));
  e.on("DELETE", "/containers/", FakeEngine::empty(204));
  EXPECT_EQ(pocketdock::prune({.engine = {.socket = e.socket_path()}, .project = "proj"}), 2);
  int deletes = 0;
  for (const auto& r : e.requests()) {
    if (r.method == "DELETE") {
      ++deletes;
      EXPECT_EQ(r.target.find("/containers/a"), std::string::npos);
      EXPECT_EQ(r.target.find("/containers/d"), std::string::npos);
    }
    if (r.target.find("/containers/json") != std::string::npos) {
      EXPECT_NE(r.target.find("pocketdock.project%3Dproj"), std::string::npos);
    }
  }
  EXPECT_EQ(deletes, 2);
}

TEST(FakeLifecycle, InfoToleratesAContainerStoppingBetweenCalls) {
  FakeEngine e(true);
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"running","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, kInspectRunning));
  e.on("GET", "/stats", FakeEngine::json(409, R"({"message":"container is not running"})"));
  e.on("GET", "/top", FakeEngine::empty(200));  // Podman's answer to ps options it cannot run
  auto c = pocketdock::attach_container("pd-fake0001", manage(e));
  auto info = c.info();
  EXPECT_EQ(info.status, "running");
  EXPECT_EQ(info.memory_usage, "");
  EXPECT_EQ(info.pids, 0);
  EXPECT_TRUE(info.processes.empty());
  EXPECT_EQ(info.ip_address, "10.0.0.2");
  for (const auto& r : e.requests()) {
    if (r.target.find("/top") != std::string::npos) {
      EXPECT_NE(r.target.find("ps_args=pid%2Cuser%2Cargs"), std::string::npos);
    }
  }
}

TEST(FakeLifecycle, SilentStatsIsATimeout) {
  FakeEngine e;
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"running","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, kInspectRunning));
  e.on("GET", "/stats", FakeEngine::silent());
  e.on("GET", "/top", FakeEngine::json(200, R"({"Titles":["PID"],"Processes":[["1"]]})"));
  auto c = pocketdock::attach_container("pd-fake0001", manage(e, 500ms));
  EXPECT_THROW((void)c.info(), pocketdock::TimeoutError);
}

TEST(FakeLifecycle, CommitSendsABodyAndChanges) {
  FakeEngine e(true);
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"running","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, kInspectRunning));
  e.on("POST", "/commit", FakeEngine::json(201, R"({"Id":"0db6b5"})"));
  auto c = pocketdock::attach_container("pd-fake0001", manage(e));
  EXPECT_EQ(c.snapshot("localhost:5000/repo", {.changes = {"ENV A=b", "WORKDIR /w"}}), "0db6b5");
  bool seen = false;
  for (const auto& r : e.requests()) {
    if (r.target.find("/commit") == std::string::npos) continue;
    seen = true;
    EXPECT_EQ(r.body, "{}");
    EXPECT_NE(r.target.find("repo=localhost%3A5000%2Frepo&tag=latest"), std::string::npos) << r.target;
    EXPECT_NE(r.target.find("changes=ENV%20A%3Db&changes=WORKDIR%20%2Fw"), std::string::npos) << r.target;
  }
  EXPECT_TRUE(seen);
}

TEST(FakeLifecycle, CommitErrorOfAMissingContainerIsNotFound) {
  FakeEngine e;
  serve_list(
      e,
      R"([{"Id":"abc123abc123abc123","State":"running","Names":["/pd-fake0001"],"Labels":{"pocketdock.managed":"true","pocketdock.instance":"pd-fake0001"}}])");
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, kInspectRunning));
  e.on("POST", "/commit", FakeEngine::json(404, R"({"message":"No such container: abc"})"));
  auto c = pocketdock::attach_container("pd-fake0001", manage(e));
  EXPECT_THROW((void)c.snapshot("x:y"), pocketdock::ContainerNotFound);
}

}  // namespace
