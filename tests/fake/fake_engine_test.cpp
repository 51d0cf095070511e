// Failure paths against an in-process fake engine: wrong answers, cut connections, silence.
#include "support/fake_engine.hpp"

#include "engine_api.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeRequest;
using pdtest::frame;
using ::testing::HasSubstr;

namespace {

using pdtest::serve_container;

pocketdock::CreateOptions fake_options(const FakeEngine& e, std::chrono::milliseconds api_timeout = 2s) {
  return pdtest::fake_container_options(e, "pd-fake0001", api_timeout);
}

template <class F>
std::chrono::milliseconds timed(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

TEST(NoEngine, ExplicitMissingSocketNamesIt) {
  try {
    (void)pocketdock::create_new_container({.engine = {.socket = "/tmp/nonexistent-pocketdock-test.sock"}});
    FAIL();
  } catch (const pocketdock::PodmanNotRunning& e) {
    ASSERT_EQ(e.candidates().size(), 1U);
    EXPECT_EQ(e.candidates()[0].socket_path, "/tmp/nonexistent-pocketdock-test.sock");
    EXPECT_EQ(e.candidates()[0].reason, "no such socket");
    EXPECT_THAT(e.what(), HasSubstr("/tmp/nonexistent-pocketdock-test.sock"));
    EXPECT_THAT(e.what(), HasSubstr("Start one"));
  }
}

TEST(NoEngine, DiscoveryListsEveryCandidate) {
  ::setenv("POCKETDOCK_SOCKET", "/tmp/pd-none-1.sock", 1);
  ::setenv("CONTAINER_HOST", "unix:///tmp/pd-none-2.sock", 1);
  ::setenv("XDG_RUNTIME_DIR", "/tmp/pd-none-xdg", 1);
  bool default_sockets_answer = false;
  for (const char* p : {"/run/podman/podman.sock", "/var/run/docker.sock"}) {
    try {
      (void)pocketdock::detail::ping_engine(p, 1s);
      default_sockets_answer = true;
    } catch (...) {
    }
  }
  try {
    (void)pocketdock::discover_engine();
    EXPECT_TRUE(default_sockets_answer) << "discovery found an engine where none answers";
  } catch (const pocketdock::PodmanNotRunning& e) {
    std::string what = e.what();
    for (const char* p : {"/tmp/pd-none-1.sock", "/tmp/pd-none-2.sock", "/tmp/pd-none-xdg/podman/podman.sock",
                          "/run/podman/podman.sock", "/var/run/docker.sock"}) {
      EXPECT_THAT(what, HasSubstr(p));
    }
    EXPECT_EQ(e.candidates().size(), 5U);
  }
  ::unsetenv("POCKETDOCK_SOCKET");
  ::unsetenv("CONTAINER_HOST");
  ::unsetenv("XDG_RUNTIME_DIR");
}

TEST(NoEngine, SocketThatIsNotAnEngine) {
  FakeEngine e;
  e.on("GET", "/_ping", FakeEngine::json(500, R"({"message":"broken"})"));
  EXPECT_THROW((void)pocketdock::discover_engine({.socket = e.socket_path()}), pocketdock::PodmanNotRunning);
}

TEST(FakeEngine, DetectsEngineKind) {
  FakeEngine podman(true);
  FakeEngine docker(false);
  EXPECT_EQ(pocketdock::discover_engine({.socket = podman.socket_path()}).kind, pocketdock::EngineKind::podman);
  auto d = pocketdock::discover_engine({.socket = docker.socket_path()});
  EXPECT_EQ(d.kind, pocketdock::EngineKind::docker);
  EXPECT_EQ(d.api_version, "1.41");
}

TEST(FakeEngine, SilentOnCreateTimesOut) {
  FakeEngine e;
  e.on("POST", "/containers/create", FakeEngine::silent());
  auto took = timed(
      [&] { EXPECT_THROW((void)pocketdock::create_new_container(fake_options(e, 500ms)), pocketdock::TimeoutError); });
  EXPECT_LT(took, 3s);
  EXPECT_GE(took, 400ms);
}

TEST(FakeEngine, SilentOnStartTimesOutAndRemovesTheContainer) {
  FakeEngine e;
  serve_container(e);
  e.on("POST", "/start", FakeEngine::silent());
  EXPECT_THROW((void)pocketdock::create_new_container(fake_options(e, 500ms)), pocketdock::TimeoutError);
  bool removed = false;
  for (auto& r : e.requests())
    removed |= r.method == "DELETE" && r.target.find("abc123abc123abc123") != std::string::npos;
  EXPECT_TRUE(removed) << "the created container was left behind";
}

TEST(FakeEngine, StartFailureRemovesTheCreatedContainer) {
  FakeEngine e;
  serve_container(e);
  e.on("POST", "/start", FakeEngine::json(500, R"({"message":"OCI runtime create failed"})"));
  try {
    (void)pocketdock::create_new_container(fake_options(e));
    FAIL();
  } catch (const pocketdock::SocketCommunicationError& err) {
    EXPECT_THAT(err.what(), HasSubstr("OCI runtime create failed"));
  }
  bool removed = false;
  for (auto& r : e.requests()) removed |= r.method == "DELETE";
  EXPECT_TRUE(removed);
}

TEST(FakeEngine, CreateSendsNameAndBody) {
  FakeEngine e;
  serve_container(e);
  {
    auto c = pocketdock::create_new_container(fake_options(e));
    EXPECT_EQ(c.id(), "abc123abc123abc123");
  }
  auto reqs = e.requests();
  auto it = std::find_if(reqs.begin(), reqs.end(),
                         [](const FakeRequest& r) { return r.target.find("/containers/create") != std::string::npos; });
  ASSERT_NE(it, reqs.end());
  EXPECT_THAT(it->target, HasSubstr("name=pd-fake0001"));
  EXPECT_EQ(it->headers["content-type"], "application/json");
  EXPECT_EQ(it->headers["host"], "localhost");
  auto body = nlohmann::json::parse(it->body);
  EXPECT_EQ(body["Image"], "img");
  EXPECT_EQ(body["Labels"]["pocketdock.instance"], "pd-fake0001");
}

TEST(FakeEngine, MalformedJsonIsACommunicationError) {
  FakeEngine e;
  e.on("POST", "/containers/create", FakeEngine::json(201, "{not json"));
  EXPECT_THROW((void)pocketdock::create_new_container(fake_options(e)), pocketdock::SocketCommunicationError);
}

TEST(FakeEngine, ConflictOnCreateIsNameInUse) {
  FakeEngine e;
  e.on(
      "POST", "/containers/create",
      FakeEngine::json(
          409, R"({"message":"Conflict. The container name \"/pd-fake0001\" is already in use by container \"x\"."})"));
  EXPECT_THROW((void)pocketdock::create_new_container(fake_options(e)), pocketdock::ContainerNameInUse);
}

TEST(FakeEngine, ConnectionCutMidResponseIsAnError) {
  FakeEngine e;
  e.on("POST", "/containers/create", FakeEngine::raw("HTTP/1.1 201 Created\r\nContent-Length: 100\r\n\r\n{\"Id\":"));
  EXPECT_THROW((void)pocketdock::create_new_container(fake_options(e)), pocketdock::SocketError);
}

class FakeExec : public ::testing::Test {
 protected:
  void SetUp() override {
    serve_container(engine);
    engine.on("POST", "/exec", FakeEngine::json(201, R"({"Id":"exec1"})"));
    engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":7})"));
  }
  pocketdock::Container make(std::chrono::milliseconds api_timeout = 2s) {
    return pocketdock::create_new_container(fake_options(engine, api_timeout));
  }
  FakeEngine engine;
};

TEST_F(FakeExec, RunDemuxesAndReadsExitCode) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "hel") + frame(1, "lo\n") + frame(2, "err")));
  auto c = make();
  auto r = c.run("whatever");
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "err");
  EXPECT_EQ(r.exit_code, 7);
  auto reqs = engine.requests();
  auto it = std::find_if(reqs.begin(), reqs.end(),
                         [](const FakeRequest& q) { return q.target.find("/exec/exec1/start") != std::string::npos; });
  ASSERT_NE(it, reqs.end());
  EXPECT_EQ(it->headers["upgrade"], "tcp");
  EXPECT_EQ(nlohmann::json::parse(it->body)["Detach"], false);
}

TEST_F(FakeExec, NullExitCodeIsNotZero) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "x")));
  engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":null})"));
  auto c = make();
  EXPECT_EQ(c.run("x").exit_code, -1);
}

TEST_F(FakeExec, StreamCutInsideAFrameIsAnError) {
  engine.on("POST", "/exec/exec1/start",
            FakeEngine::upgrade(frame(1, "complete") + frame(1, "cut here").substr(0, 11)));
  auto c = make();
  EXPECT_THROW((void)c.run("x"), pocketdock::SocketCommunicationError);
}

TEST_F(FakeExec, SilentExecCreateTimesOut) {
  engine.on("POST", "/exec", FakeEngine::silent());
  auto c = make(500ms);
  auto took = timed([&] { EXPECT_THROW((void)c.run("x"), pocketdock::TimeoutError); });
  EXPECT_LT(took, 3s);
}

TEST_F(FakeExec, SilentExecStartTimesOut) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::silent());
  auto c = make(500ms);
  auto took = timed([&] { EXPECT_THROW((void)c.run("x"), pocketdock::TimeoutError); });
  EXPECT_LT(took, 3s);
}

TEST_F(FakeExec, SilentExecInspectTimesOut) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "x")));
  engine.on("GET", "/exec/", FakeEngine::silent());
  auto c = make(500ms);
  auto took = timed([&] { EXPECT_THROW((void)c.run("x"), pocketdock::TimeoutError); });
  EXPECT_LT(took, 3s);
}

TEST_F(FakeExec, EngineSilentMidStreamHitsTheRunTimeout) {
  // The engine upgrades, sends one frame, then goes quiet: the run's own timeout ends it.
  engine.on("POST", "/exec/exec1/start", [](const FakeRequest&, pocketdock::detail::UnixConnection& c, FakeEngine& e) {
    c.write_all("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n" + frame(1, "partial"),
                pocketdock::detail::deadline_after(1s));
    e.wait_until_stopped();
    return false;
  });
  auto c = make(500ms);
  pocketdock::ExecResult r;
  auto took = timed([&] { r = c.run("x", {.timeout = 700ms}); });
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.out, "partial");
  EXPECT_LT(took, 5s);
}

TEST_F(FakeExec, ExecStartErrorsAreMapped) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::json(409, R"({"message":"Container abc is not running"})"));
  auto c = make();
  EXPECT_THROW((void)c.run("x"), pocketdock::ContainerNotRunning);
}

TEST_F(FakeExec, ExecCreateOnMissingContainer) {
  engine.on("POST", "/exec", FakeEngine::json(404, R"({"message":"No such container: abc"})"));
  auto c = make();
  EXPECT_THROW((void)c.run("x"), pocketdock::ContainerNotFound);
}

TEST_F(FakeExec, ExecCreateCarriesTokenEnvAndOptions) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(""));
  auto c = make();
  (void)c.run("x", {.env = {{"K", "v"}}, .workdir = "/w", .user = "nobody"});
  auto reqs = engine.requests();
  auto it = std::find_if(reqs.begin(), reqs.end(), [](const FakeRequest& q) {
    return q.target.find("/containers/abc123abc123abc123/exec") != std::string::npos;
  });
  ASSERT_NE(it, reqs.end());
  auto body = nlohmann::json::parse(it->body);
  // Under the engine's init as a subreaper (the fake answers as Docker).
  EXPECT_EQ(body["Cmd"], (nlohmann::json{"/sbin/docker-init", "-s", "--", "sh", "-c", "x"}));
  EXPECT_EQ(body["WorkingDir"], "/w");
  EXPECT_EQ(body["User"], "nobody");
  EXPECT_EQ(body["Tty"], false);
  EXPECT_THAT(body["Env"].dump(), HasSubstr("POCKETDOCK_EXEC_TOKEN="));
  EXPECT_THAT(body["Env"].dump(), HasSubstr("K=v"));
}

}  // namespace
