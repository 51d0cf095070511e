// Session and detach logs of a persistent container in a project (reference section 2.18)
// against a real engine; nothing is logged for other containers.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

pocketdock::ManageOptions manage() { return {.engine = {.socket = pdtest::engine_socket()}}; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The log files of `dir` whose names start with `prefix`.
std::vector<fs::path> logs_named(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path());
  }
  return found;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() / pdtest::unique_name("pdlogs");
    fs::create_directories(path);
    path = fs::canonical(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

// create_new_container finds the project from the current directory.
struct CwdGuard {
  explicit CwdGuard(const fs::path& dir) : saved(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() { fs::current_path(saved); }
  fs::path saved;
};

// Persistent containers outlive shutdown(): destroy them whatever the test did.
struct DestroyGuard {
  explicit DestroyGuard(std::string n) : name(std::move(n)) {}
  ~DestroyGuard() {
    try {
      pocketdock::destroy_container(name, manage());
    } catch (...) {
      // Already gone.
    }
  }
  std::string name;
};

pocketdock::CreateOptions persistent() {
  auto o = pdtest::sandbox_options();
  o.persist = true;
  return o;
}

// A project in a temp dir and a persistent container created from inside it.
class InstanceLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = pocketdock::init_project(dir_.path, pdtest::unique_name("logs"));
    CwdGuard cwd(root_);
    container_.emplace(pocketdock::create_new_container(persistent()));
    guard_.emplace(container_->name());
    logs_ = fs::path(container_->data_path()) / "logs";
  }
  void TearDown() override {
    container_.reset();
    guard_.reset();
  }
  pocketdock::Container& c() { return *container_; }

  TempDir dir_;
  fs::path root_;
  fs::path logs_;
  std::optional<DestroyGuard> guard_;  // destroyed after the handle
  std::optional<pocketdock::Container> container_;
};

TEST_F(InstanceLogsTest, SessionLogHoldsEachCommandAndItsRawOutput) {
  ASSERT_FALSE(c().data_path().empty());
  std::string id;
  {
    auto s = c().session();
    id = s.id();
    s.send("echo one");
    auto r = s.send_and_wait("echo two; echo three >&2");
    EXPECT_EQ(r.out, "two\n");
    EXPECT_EQ(r.exit_code, 0);
    s.close();
  }
  auto found = logs_named(logs_, "session-");
  ASSERT_EQ(found.size(), 1U);
  EXPECT_TRUE(found[0].filename().string().ends_with(".log"));
  std::string text = slurp(found[0]);
  EXPECT_EQ(text.rfind("# session_id: " + id + "\n\n[", 0), 0U) << text;
  auto one = text.find("] >>> echo one\n");
  auto two = text.find("] >>> echo two; echo three >&2\n");
  ASSERT_NE(one, std::string::npos) << text;
  ASSERT_NE(two, std::string::npos) << "send_and_wait commands are logged too\n" << text;
  EXPECT_LT(one, two);
  EXPECT_TRUE(contains(text, "one\n")) << text;
  EXPECT_TRUE(contains(text.substr(two), "two\n")) << text;
  EXPECT_TRUE(contains(text.substr(two), "three\n")) << "both streams are logged\n" << text;
  EXPECT_FALSE(contains(text, "BASH_VERSION")) << "the start-up probe is not logged\n" << text;
  EXPECT_FALSE(contains(text, "\x1e")) << "no protocol markers\n" << text;
  EXPECT_TRUE(pocketdock::read_history(root_, c().name()).empty()) << "sessions write no history";
}

TEST_F(InstanceLogsTest, DetachLogHoldsFramesExitCodeAndDuration) {
  auto p = c().spawn("echo out; echo err >&2; sleep 0.2; exit 3");
  auto r = p.wait(30s);
  EXPECT_EQ(r.exit_code, 3);
  auto found = logs_named(logs_, "detach-");
  ASSERT_EQ(found.size(), 1U);
  std::string text = slurp(found[0]);
  EXPECT_EQ(text.rfind("# command: echo out; echo err >&2; sleep 0.2; exit 3\n\n[", 0), 0U) << text;
  EXPECT_TRUE(contains(text, "] [stdout] out\n")) << text;
  EXPECT_TRUE(contains(text, "] [stderr] err\n")) << text;
  auto end = text.find("\n# exit_code: 3\n# duration_ms: ");
  ASSERT_NE(end, std::string::npos) << text;
  EXPECT_TRUE(text.ends_with("\n")) << text;
  double ms = std::stod(text.substr(end + std::string("\n# exit_code: 3\n# duration_ms: ").size()));
  EXPECT_GE(ms, 200.0);
  EXPECT_LT(ms, 30000.0);
  EXPECT_TRUE(pocketdock::read_history(root_, c().name()).empty()) << "detached processes write no history";
}

TEST_F(InstanceLogsTest, ARemovedLogsDirStopsLoggingButNeverTheSessionOrProcess) {
  auto s = c().session();
  (void)s.send_and_wait("echo logged");
  auto p = c().spawn("sleep 1; echo late; exit 2");
  ASSERT_EQ(logs_named(logs_, "session-").size(), 1U);
  ASSERT_EQ(logs_named(logs_, "detach-").size(), 1U);
  fs::remove_all(logs_);

  auto r = s.send_and_wait("echo after");
  EXPECT_EQ(r.out, "after\n");
  EXPECT_EQ(r.exit_code, 0);
  s.send("echo sent");
  EXPECT_EQ(s.send_and_wait("echo again").out, "again\n");
  EXPECT_TRUE(s.is_open());
  auto pr = p.wait(30s);
  EXPECT_EQ(pr.exit_code, 2);
  EXPECT_EQ(pr.out, "late\n");
  s.close();
  EXPECT_FALSE(fs::exists(logs_)) << "a failed log is not recreated";
}

TEST(InstanceLogs, EphemeralAndOutsideAProjectLogNothing) {
  TempDir project;
  fs::path root = pocketdock::init_project(project.path, pdtest::unique_name("logs"));
  {
    CwdGuard cwd(root);
    auto c = pocketdock::create_new_container(pdtest::sandbox_options());
    EXPECT_TRUE(c.data_path().empty());
    auto s = c.session();
    EXPECT_EQ(s.send_and_wait("echo hi").out, "hi\n");
    EXPECT_EQ(c.spawn("echo hi").wait(30s).exit_code, 0);
  }
  std::error_code ec;
  EXPECT_TRUE(fs::is_empty(root / ".pocketdock" / "instances", ec) || !fs::exists(root / ".pocketdock" / "instances"));

  TempDir outside;
  CwdGuard cwd(outside.path);
  auto c = pocketdock::create_new_container(persistent());
  DestroyGuard guard(c.name());
  EXPECT_TRUE(c.data_path().empty());
  {
    auto s = c.session();
    EXPECT_EQ(s.send_and_wait("echo hi").out, "hi\n");
    EXPECT_EQ(c.spawn("echo hi").wait(30s).exit_code, 0);
  }
  EXPECT_TRUE(fs::is_empty(outside.path));
  c.shutdown();
}

TEST_F(InstanceLogsTest, SessionAndDetachLogsStopAtTheProjectsMaxLogSize) {
  fs::path config = root_ / ".pocketdock" / "pocketdock.yaml";
  std::string yaml = slurp(config);
  auto at = yaml.find("max_log_size: \"10MB\"");
  ASSERT_NE(at, std::string::npos) << yaml;
  yaml.replace(at, std::string("max_log_size: \"10MB\"").size(), "max_log_size: \"4KB\"");
  std::ofstream(config, std::ios::binary | std::ios::trunc) << yaml;
  // About 14 KB of output, far past the 4 KiB cap.
  const std::string noisy =
      "i=0; while [ $i -lt 200 ]; do echo line-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; "
      "i=$((i+1)); done";
  {
    auto s = c().session();
    auto r = s.send_and_wait(noisy);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_GT(r.out.size(), 12000U) << "the session's own result is not cut";
    s.close();
  }
  auto p = c().spawn(noisy);
  EXPECT_EQ(p.wait(30s).exit_code, 0);
  const std::string marker = "\n[log truncated at 4096 bytes]\n";
  for (const char* kind : {"session-", "detach-"}) {
    auto found = logs_named(logs_, kind);
    ASSERT_EQ(found.size(), 1U) << kind;
    std::string text = slurp(found[0]);
    EXPECT_EQ(text.size(), 4096U + marker.size()) << kind;
    EXPECT_TRUE(text.ends_with(marker)) << kind << text.substr(text.size() > 100 ? text.size() - 100 : 0);
  }
}

}  // namespace
