// Container::spawn against a real engine (issue 3; reference section 6.1 "detach").
#include "support/engines.hpp"
#include "support/exec_helpers.hpp"

#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::Process;
using ::testing::HasSubstr;

namespace {

class ProcessTest : public pdtest::SharedContainerTest {};

TEST_F(ProcessTest, DetachedEcho) {
  auto p = container().spawn("echo detached");
  EXPECT_FALSE(p.id().empty());
  auto r = p.wait(10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("detached"));
  EXPECT_FALSE(r.timed_out);
}

TEST_F(ProcessTest, IsRunningUntilItEnds) {
  auto p = container().spawn("sleep 1 && echo done");
  EXPECT_TRUE(p.is_running());
  auto r = p.wait(10s);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("done"));
  EXPECT_FALSE(p.is_running());
  EXPECT_GE(r.duration_ms(), 900.0);
}

TEST_F(ProcessTest, PeekDoesNotDrainReadDoes) {
  auto p = container().spawn("echo hello");
  (void)p.wait(10s);
  auto a = p.peek();
  auto b = p.peek();
  EXPECT_EQ(a, b);
  EXPECT_THAT(a.out, HasSubstr("hello"));
  EXPECT_EQ(p.buffer_size(), a.out.size() + a.err.size());
  EXPECT_THAT(p.read().out, HasSubstr("hello"));
  EXPECT_EQ(p.read().out, "");
  EXPECT_EQ(p.buffer_size(), 0U);
}

TEST_F(ProcessTest, WaitReturnsOutputNotYetRead) {
  auto p = container().spawn("echo a; sleep 1; echo b");
  auto until = std::chrono::steady_clock::now() + 5s;
  while (p.peek().out.empty() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(p.read().out, "a\n");
  auto r = p.wait(10s);
  EXPECT_EQ(r.out, "b\n");
}

TEST_F(ProcessTest, Kill9EndsTheProcessAndLeavesNone) {
  auto p = container().spawn("sleep 600");
  p.detach();
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(p.is_running());
  ASSERT_THAT(pdtest::ps_output(container()), HasSubstr("sleep 600"));
  p.kill(9);
  auto r = p.wait(10s);
  EXPECT_EQ(r.exit_code, 137);
  EXPECT_FALSE(p.is_running());
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 600")) << pdtest::ps_output(container());
}

TEST_F(ProcessTest, DefaultKillIsSigtermAndReachesChildren) {
  auto p = container().spawn("sleep 621 & sleep 622; echo never");
  std::this_thread::sleep_for(500ms);
  ASSERT_THAT(pdtest::ps_output(container()), HasSubstr("sleep 621"));
  p.kill();
  auto r = p.wait(10s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 621")) << pdtest::ps_output(container());
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 622")) << pdtest::ps_output(container());
}

TEST_F(ProcessTest, KillOfAnEndedProcessIsHarmless) {
  auto p = container().spawn("exit 4");
  EXPECT_EQ(p.wait(10s).exit_code, 4);
  p.kill(9);
  EXPECT_EQ(p.wait(1s).exit_code, 4);
}

TEST_F(ProcessTest, IsRunningFlipsWithinOneSecondOfExit) {
  auto t0 = std::chrono::steady_clock::now();
  auto p = container().spawn("sleep 1");
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(p.is_running());
  while (p.is_running() && std::chrono::steady_clock::now() - t0 < 10s) std::this_thread::sleep_for(20ms);
  auto flipped = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(flipped, 2s) << "is_running() stayed true after the command's exit";
}

TEST_F(ProcessTest, IsRunningAsksTheEngineEvenWhileAChildHoldsTheOutput) {
  // The shell exits after 1 s; its background child keeps the output open (Docker then keeps
  // the stream open too), so only the engine knows that the command ended.
  auto t0 = std::chrono::steady_clock::now();
  auto p = container().spawn("sleep 4 & sleep 1; exit 3");
  std::this_thread::sleep_for(300ms);
  EXPECT_TRUE(p.is_running());
  while (p.is_running() && std::chrono::steady_clock::now() - t0 < 10s) std::this_thread::sleep_for(20ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_EQ(p.wait(10s).exit_code, 3);
}

TEST_F(ProcessTest, SixtyFourAtOnceEachGetTheirOwnOutput) {
  constexpr int kCount = 64;
  std::vector<std::optional<Process>> procs(kCount);
  std::vector<std::thread> starters;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    starters.emplace_back([&, t] {
      for (int i = t; i < kCount; i += 8) {
        try {
          procs[static_cast<std::size_t>(i)].emplace(
              container().spawn(fmt::format("sleep 1; echo out-{0}; echo err-{0} >&2; exit {1}", i, i % 7)));
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << "spawn " << i << ": " << e.what();
        }
      }
    });
  }
  for (auto& t : starters) t.join();
  ASSERT_EQ(failures.load(), 0);
  int running = 0;
  for (auto& p : procs) running += p->is_running() ? 1 : 0;
  EXPECT_GT(running, 0);
  for (int i = 0; i < kCount; ++i) {
    auto r = procs[static_cast<std::size_t>(i)]->wait(60s);
    EXPECT_EQ(r.out, fmt::format("out-{}\n", i))
        << "process " << i << " exit " << r.exit_code << " after " << r.duration_ms() << " ms, err " << r.err;
    EXPECT_EQ(r.err, fmt::format("err-{}\n", i));
    EXPECT_EQ(r.exit_code, i % 7);
  }
}

TEST_F(ProcessTest, WaitTimeoutIsATimeoutError) {
  auto p = container().spawn("sleep 623");
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW((void)p.wait(300ms), pocketdock::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(p.is_running());
}

TEST_F(ProcessTest, DestroyingTheHandleKillsTheProcess) {
  {
    auto p = container().spawn("sleep 624 & sleep 625");
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 624")) << pdtest::ps_output(container());
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 625")) << pdtest::ps_output(container());
}

TEST_F(ProcessTest, DetachLetsItOutliveTheHandle) {
  std::string marker = "/tmp/detached-" + pdtest::unique_name("m");
  {
    auto p = container().spawn("sleep 1; echo done > " + marker);
    p.detach();
  }
  auto until = std::chrono::steady_clock::now() + 10s;
  std::string content;
  while (std::chrono::steady_clock::now() < until) {
    content = container().run("cat " + marker + " 2>/dev/null").out;
    if (!content.empty()) break;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(content, "done\n");
}

TEST_F(ProcessTest, SpawnTimeoutKillsTheCommand) {
  auto p = container().spawn("echo started; sleep 626", {.run = {.timeout = 500ms}});
  auto r = p.wait(10s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.out, "started\n");
  EXPECT_LT(r.duration_ms(), 5000.0);
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 626")) << pdtest::ps_output(container());
}

TEST_F(ProcessTest, RingBufferKeepsTheNewestOutput) {
  auto p = container().spawn("seq 1 10000", {.buffer_capacity = 1000});
  auto r = p.wait(10s);
  EXPECT_TRUE(p.buffer_overflow());
  EXPECT_EQ(r.out.size(), 500U);
  EXPECT_EQ(r.out.substr(r.out.size() - 6), "10000\n");
}

TEST_F(ProcessTest, DefaultBufferKeepsHalfAMebibytePerStream) {
  auto p = container().spawn("head -c 600000 /dev/zero; head -c 100 /dev/zero >&2");
  auto r = p.wait(10s);
  EXPECT_EQ(r.out.size(), 524288U);
  EXPECT_EQ(r.err.size(), 100U);
  EXPECT_TRUE(p.buffer_overflow());
}

TEST_F(ProcessTest, BinaryOutputPassesUnchanged) {
  auto p = container().spawn("printf '\\000\\001\\377\\376\\r\\n\\200'");
  EXPECT_EQ(p.wait(10s).out, std::string("\0\1\377\376\r\n\200", 7));
}

TEST_F(ProcessTest, StdinIsDelivered) {
  auto p = container().spawn("cat", {.run = {.input = "hello"}});
  auto r = p.wait(10s);
  EXPECT_EQ(r.out, "hello");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(ProcessTest, UsableFromSeveralThreads) {
  auto p = container().spawn("for i in $(seq 1 20); do echo line-$i; sleep 0.05; done");
  std::atomic<bool> stop{false};
  std::string drained;
  std::thread reader([&] {
    while (!stop) {
      drained += p.read().out;
      std::this_thread::sleep_for(10ms);
    }
  });
  std::thread poller([&] {
    while (!stop) {
      (void)p.is_running();
      (void)p.buffer_size();
      std::this_thread::sleep_for(20ms);
    }
  });
  auto r = p.wait(20s);
  stop = true;
  reader.join();
  poller.join();
  drained += r.out;
  std::string expected;
  for (int i = 1; i <= 20; ++i) expected += fmt::format("line-{}\n", i);
  EXPECT_EQ(drained, expected);
}

TEST(ProcessShutdown, ShutdownWithARunningProcessDoesNotHang) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto p = c.spawn("sleep 60");
  std::this_thread::sleep_for(300ms);
  auto t0 = std::chrono::steady_clock::now();
  c.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
  auto r = p.wait(5s);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(p.is_running());
}

TEST(ProcessShutdown, ShutdownEndsADetachedProcessAndWakesAWaiter) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto p = c.spawn("sleep 60");
  std::atomic<bool> woke{false};
  std::thread waiter([&] {
    (void)p.wait(30s);
    woke = true;
  });
  std::this_thread::sleep_for(300ms);
  c.shutdown();
  waiter.join();
  EXPECT_TRUE(woke);
}

}  // namespace
