// Container::on_stdout / on_stderr / on_exit against a real engine (issue 3; reference
// section 6.1 "callbacks"). Callbacks are per container, so each test has its own.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

class CallbacksTest : public ::testing::Test {
 protected:
  pocketdock::Container c = pocketdock::create_new_container(pdtest::sandbox_options());
  std::mutex mutex;
  std::string out, err;
  std::vector<int> codes;

  void record() {
    c.on_stdout([this](std::string_view d) {
      std::lock_guard lock(mutex);
      out += d;
    });
    c.on_stderr([this](std::string_view d) {
      std::lock_guard lock(mutex);
      err += d;
    });
    c.on_exit([this](int code) {
      std::lock_guard lock(mutex);
      codes.push_back(code);
    });
  }
};

TEST_F(CallbacksTest, StdoutStderrAndExit) {
  record();
  auto p = c.spawn("echo cb_out && echo cb_err >&2");
  (void)p.wait(10s);
  std::lock_guard lock(mutex);
  EXPECT_THAT(out, HasSubstr("cb_out"));
  EXPECT_THAT(err, HasSubstr("cb_err"));
  EXPECT_EQ(codes, std::vector<int>{0});  // on_exit has fired when wait() returns
}

TEST_F(CallbacksTest, OnExitGetsTheExitCode) {
  record();
  auto p = c.spawn("exit 42");
  (void)p.wait(10s);
  std::lock_guard lock(mutex);
  EXPECT_EQ(codes, std::vector<int>{42});
}

TEST_F(CallbacksTest, AThrowingCallbackDoesNotStopTheOthersOrTheReader) {
  c.on_stdout([](std::string_view) { throw std::runtime_error("callback failure"); });
  c.on_exit([](int) { throw 1; });
  record();
  auto p = c.spawn("seq 1 2000");
  auto r = p.wait(10s);
  std::string expected;
  for (int i = 1; i <= 2000; ++i) expected += std::to_string(i) + "\n";
  EXPECT_EQ(r.out, expected);
  std::lock_guard lock(mutex);
  EXPECT_EQ(out, expected);
  EXPECT_EQ(codes, std::vector<int>{0});
}

TEST_F(CallbacksTest, RunOnTheProcessReaderThread) {
  std::thread::id seen;
  c.on_stdout([&](std::string_view) {
    std::lock_guard lock(mutex);
    seen = std::this_thread::get_id();
  });
  auto p = c.spawn("echo x");
  (void)p.wait(10s);
  std::lock_guard lock(mutex);
  EXPECT_NE(seen, std::thread::id{});
  EXPECT_NE(seen, std::this_thread::get_id());
}

TEST_F(CallbacksTest, RegisteredAfterSpawnApply) {
  auto p = c.spawn("sleep 1; echo late");
  record();
  auto r = p.wait(10s);
  EXPECT_EQ(r.out, "late\n");
  std::lock_guard lock(mutex);
  EXPECT_EQ(out, "late\n");
  EXPECT_EQ(codes, std::vector<int>{0});
}

TEST_F(CallbacksTest, ServeEveryProcessOfTheContainerButNotRunOrStream) {
  record();
  auto a = c.spawn("echo from-a");
  auto b = c.spawn("echo from-b >&2; exit 5");
  (void)a.wait(10s);
  (void)b.wait(10s);
  EXPECT_EQ(c.run("echo from-run").out, "from-run\n");
  auto s = c.stream("echo from-stream");
  for (const auto& chunk : s) (void)chunk;
  std::lock_guard lock(mutex);
  EXPECT_EQ(out, "from-a\n");
  EXPECT_EQ(err, "from-b\n");
  std::sort(codes.begin(), codes.end());
  EXPECT_EQ(codes, (std::vector<int>{0, 5}));
}

TEST_F(CallbacksTest, BinaryDataReachesCallbacksUnchanged) {
  record();
  auto p = c.spawn("printf '\\000\\377\\r\\n'");
  (void)p.wait(10s);
  std::lock_guard lock(mutex);
  EXPECT_EQ(out, std::string("\0\377\r\n", 4));
}

TEST_F(CallbacksTest, WaitFromItsOwnCallbackIsRejected) {
  std::atomic<pocketdock::Process*> self{nullptr};
  std::atomic<int> rejected{0};
  c.on_stdout([&](std::string_view) {
    if (auto* p = self.load()) {
      try {
        (void)p->wait(1s);
      } catch (const pocketdock::InvalidArgument&) {
        ++rejected;
      }
    }
  });
  auto p = c.spawn("sleep 1; echo x");
  self = &p;
  auto r = p.wait(10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(rejected.load(), 1);
}

TEST_F(CallbacksTest, ShutdownFiresOnExit) {
  record();
  auto p = c.spawn("sleep 60");
  std::this_thread::sleep_for(300ms);
  c.shutdown();
  (void)p.wait(5s);
  std::lock_guard lock(mutex);
  EXPECT_EQ(codes, std::vector<int>{-1});
}

}  // namespace
