// Hardening failure paths a real engine cannot produce on demand: invalid options never reach the
// engine, a create that times out leaves no orphan, a fresh reboot whose create fails keeps the
// old container, and the library's descriptors are close-on-exec.
#include "support/fake_engine.hpp"

#include <pocketdock/pocketdock.hpp>

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeRequest;
using pocketdock::detail::UnixConnection;
using ::testing::HasSubstr;

namespace {

std::size_t count(const std::vector<FakeRequest>& reqs, const std::string& method, const std::string& part) {
  return static_cast<std::size_t>(std::count_if(reqs.begin(), reqs.end(), [&](const FakeRequest& r) {
    return r.method == method && r.target.find(part) != std::string::npos;
  }));
}

TEST(FakeHardening, InvalidOptionsNeverReachTheEngine) {
  FakeEngine e;
  pdtest::serve_container(e);
  auto base = pdtest::fake_container_options(e, "pd-fakeval", 2s);
  auto bad = [&](auto change) {
    auto o = base;
    change(o);
    return o;
  };
  using O = pocketdock::CreateOptions;
  for (const auto& o : {bad([](O& o) { o.image = "Bad Image"; }), bad([](O& o) { o.name = "../x"; }), bad([](O& o) {
                          o.env = {{"A=B", "1"}};
                        }),
                        bad([](O& o) { o.user = "root:root:x"; }), bad([](O& o) {
                          o.labels = {{"", "x"}};
                        }),
                        bad([](O& o) { o.mem_limit = "0"; }),
                        bad([](O& o) { o.ports = {{.host = 1, .container = 70000}}; }), bad([](O& o) {
                          o.volumes = {{"rel", "/c"}};
                        }),
                        bad([](O& o) { o.project = ".hidden"; })}) {
    EXPECT_THROW((void)pocketdock::create_new_container(o), pocketdock::InvalidArgument);
  }
  pocketdock::ManageOptions m{.engine = base.engine};
  EXPECT_THROW((void)pocketdock::resume_container("../etc", m), pocketdock::InvalidArgument);
  EXPECT_THROW(pocketdock::destroy_container("a/b", m), pocketdock::InvalidArgument);
  EXPECT_THROW(pocketdock::stop_container("", m), pocketdock::InvalidArgument);
  EXPECT_THROW((void)pocketdock::list_containers({.engine = base.engine, .project = "a/b"}),
               pocketdock::InvalidArgument);
  EXPECT_TRUE(e.requests().empty()) << "an invalid option reached the engine";

  auto c = pocketdock::create_new_container(base);
  auto before = e.requests().size();
  EXPECT_THROW((void)c.run("true", {.env = {{"", "x"}}}), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.stream("true", {.user = "a b"}), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.spawn("true", {.run = {.workdir = "relative"}}), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.session({.env = {{"A=B", "1"}}}), pocketdock::InvalidArgument);
  EXPECT_EQ(e.requests().size(), before) << "an invalid run option reached the engine";
}

// The engine makes the container but answers the create only after the client gave up.
struct LateCreate {
  std::mutex mutex;
  nlohmann::json labels;
};

void serve_late_create(FakeEngine& e, const std::shared_ptr<LateCreate>& made) {
  e.on("POST", "/containers/create", [made](const FakeRequest& r, UnixConnection&, FakeEngine& engine) {
    {
      std::lock_guard lock(made->mutex);
      made->labels = nlohmann::json::parse(r.body)["Labels"];
    }
    engine.wait_until_stopped();
    return false;
  });
  e.on("GET", "/containers/pd-fakeorphan/json", [made](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    nlohmann::json inspect{{"Id", "0rphan0rphan0rphan"}, {"Name", "/pd-fakeorphan"}};
    {
      std::lock_guard lock(made->mutex);
      inspect["Config"]["Labels"] = made->labels;
    }
    c.write_all(pdtest::http_response(200, inspect.dump()), pocketdock::detail::deadline_after(5s));
    return true;
  });
  e.on("DELETE", "/containers/", FakeEngine::empty(204));
}

TEST(FakeHardening, ACreateThatTimesOutAfterTheEngineMadeTheContainerLeavesNoOrphan) {
  FakeEngine e;
  auto made = std::make_shared<LateCreate>();
  serve_late_create(e, made);
  EXPECT_THROW((void)pocketdock::create_new_container(pdtest::fake_container_options(e, "pd-fakeorphan", 500ms)),
               pocketdock::TimeoutError);
  EXPECT_EQ(count(e.requests(), "DELETE", "/containers/0rphan0rphan0rphan"), 1U) << "the orphan was left behind";
}

TEST(FakeHardening, AContainerOfThatNameMadeBySomeoneElseIsLeftAlone) {
  FakeEngine e;
  auto made = std::make_shared<LateCreate>();
  serve_late_create(e, made);
  // Same name and managed, but another create's created-at: not this create's container.
  e.on("GET", "/containers/pd-fakeorphan/json",
       FakeEngine::json(200, R"({"Id":"0ther0ther","Config":{"Labels":{"pocketdock.managed":"true",)"
                             R"("pocketdock.instance":"pd-fakeorphan","pocketdock.created-at":"2020-01-01"}}})"));
  EXPECT_THROW((void)pocketdock::create_new_container(pdtest::fake_container_options(e, "pd-fakeorphan", 500ms)),
               pocketdock::TimeoutError);
  EXPECT_EQ(count(e.requests(), "DELETE", "/containers/"), 0U);
}

TEST(FakeHardening, ANameInUseIsNeverRemoved) {
  FakeEngine e;
  e.on("POST", "/containers/create",
       FakeEngine::json(409, R"({"message":"Conflict. The container name \"/pd-fakeorphan\" is already in use"})"));
  e.on("GET", "/containers/pd-fakeorphan/json",
       FakeEngine::json(200, R"({"Id":"0ther0ther","Config":{"Labels":{"pocketdock.managed":"true",)"
                             R"("pocketdock.instance":"pd-fakeorphan"}}})"));
  e.on("DELETE", "/containers/", FakeEngine::empty(204));
  EXPECT_THROW((void)pocketdock::create_new_container(pdtest::fake_container_options(e, "pd-fakeorphan", 2s)),
               pocketdock::ContainerNameInUse);
  EXPECT_EQ(count(e.requests(), "DELETE", "/containers/"), 0U);
  EXPECT_EQ(count(e.requests(), "GET", "/containers/pd-fakeorphan/json"), 0U);
}

TEST(FakeHardening, AFreshRebootWhoseCreateFailsKeepsTheOldContainer) {
  FakeEngine e;
  pdtest::serve_container(e);
  e.on("POST", "/rename", FakeEngine::empty(204));
  auto c = pocketdock::create_new_container(pdtest::fake_container_options(e, "pd-fakereboot", 2s));
  e.on("POST", "/containers/create", FakeEngine::json(404, R"({"message":"No such image: img"})"));
  EXPECT_THROW(c.reboot(true), pocketdock::ImageNotFound);
  auto reqs = e.requests();
  EXPECT_EQ(count(reqs, "DELETE", "/containers/abc123abc123abc123"), 0U) << "the old container was removed";
  std::vector<std::string> renames;
  for (const auto& r : reqs) {
    if (r.target.find("/rename") != std::string::npos) renames.push_back(r.target);
  }
  ASSERT_EQ(renames.size(), 2U);
  EXPECT_THAT(renames[0], HasSubstr("/containers/abc123abc123abc123/rename?name=pd-fakereboot-pd-old-"));
  EXPECT_THAT(renames[1], HasSubstr("/containers/abc123abc123abc123/rename?name=pd-fakereboot"));
  EXPECT_EQ(renames[1].substr(renames[1].find("name=")), "name=pd-fakereboot");
  EXPECT_EQ(count(reqs, "POST", "/containers/abc123abc123abc123/start"), 2U) << "started again after the failure";
  EXPECT_EQ(c.id(), "abc123abc123abc123");
}

std::set<int> open_fds() {
  std::set<int> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    fds.insert(std::stoi(entry.path().filename().string()));
  }
  return fds;
}

TEST(FakeHardening, DescriptorsOpenedByTheLibraryAreCloseOnExec) {
  FakeEngine e;
  pdtest::serve_container(e);
  auto before = open_fds();
  e.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, R"({"Id":"abc123abc123abc123"})"));
  auto c = pocketdock::create_new_container(pdtest::fake_container_options(e, "pd-fakefds", 2s));
  (void)c.ports();  // leaves a keep-alive connection in the handle's pool
  auto during = open_fds();
  std::size_t checked = 0;
  for (int fd : during) {
    if (before.contains(fd)) continue;
    int flags = ::fcntl(fd, F_GETFD);
    if (flags < 0) continue;  // the directory listing's own descriptor, closed by now
    ++checked;
    EXPECT_NE(flags & FD_CLOEXEC, 0) << "fd " << fd << " -> "
                                     << std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd));
  }
  EXPECT_GT(checked, 0U) << "no pooled engine connection to check";
}

}  // namespace
