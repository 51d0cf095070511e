// Blocking run() against a real engine (issue: foundation).
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::Command;
using pocketdock::RunOptions;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class RunTest : public pdtest::SharedContainerTest {};

TEST_F(RunTest, EchoHello) {
  auto r = container().run("echo hello");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.truncated);
  EXPECT_GT(r.duration_ms(), 0.0);
}

TEST_F(RunTest, ExitCodeIsReported) {
  auto r = container().run("exit 42");
  EXPECT_EQ(r.exit_code, 42);
  EXPECT_FALSE(r.ok());
}

TEST_F(RunTest, StderrIsSeparate) {
  auto r = container().run("echo out && echo err >&2 && echo out2");
  EXPECT_EQ(r.out, "out\nout2\n");
  EXPECT_EQ(r.err, "err\n");
  auto only_err = container().run("echo only-err >&2");
  EXPECT_EQ(only_err.out, "");
  EXPECT_EQ(only_err.err, "only-err\n");
}

TEST_F(RunTest, TrueHasNoOutput) {
  auto r = container().run("true");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(RunTest, OneMebibyteOfRandomBytesArrivesIntact) {
  // The container computes the checksum of what it sends; we compare it with the bytes received.
  auto r = container().run("head -c 1048576 /dev/urandom > /tmp/rand.bin && cat /tmp/rand.bin");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(r.out.size(), 1048576U);
  auto sum = container().run("md5sum /tmp/rand.bin | cut -d' ' -f1");
  auto echoed = container().run("md5sum | cut -d' ' -f1", {.input = r.out});
  EXPECT_EQ(echoed.out, sum.out) << "bytes changed in transit";
  EXPECT_EQ(sum.out.size(), 33U);
}

TEST_F(RunTest, TimeoutKillsTheCommandAndItsChildren) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = container().run("sleep 60 & sleep 61; echo never", {.timeout = 1s});
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, 3s);
  EXPECT_GE(r.duration_ms(), 900.0);
  auto ps = pdtest::ps_output(container());
  EXPECT_THAT(ps, Not(HasSubstr("sleep 60"))) << ps;
  EXPECT_THAT(ps, Not(HasSubstr("sleep 61"))) << ps;
}

TEST_F(RunTest, TimeoutKeepsOutputReceivedSoFar) {
  auto r = container().run("echo before; sleep 30", {.timeout = 1s});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.out, "before\n");
}

TEST_F(RunTest, MaxOutputTruncatesExactlyAndEndsTheCommand) {
  auto t0 = std::chrono::steady_clock::now();
  auto r = container().run("yes", {.max_output = 1024});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.out.size() + r.err.size(), 1024U);
  EXPECT_EQ(r.out.substr(0, 4), "y\ny\n");
  auto ps = pdtest::ps_output(container());
  EXPECT_THAT(ps, Not(HasSubstr(" yes"))) << ps;
}

TEST_F(RunTest, MaxOutputCountsBothStreams) {
  auto r = container().run("printf 'aaaaa'; printf 'bbbbb' >&2; sleep 0.2; printf ccccc", {.max_output = 8});
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.out.size() + r.err.size(), 8U);
}

TEST_F(RunTest, ArgvFormRunsWithoutAShell) {
  auto r = container().run(Command::argv({"echo", "$HOME", "a;b", "$(id)"}));
  EXPECT_EQ(r.out, "$HOME a;b $(id)\n");
}

TEST_F(RunTest, EnvAndWorkdirPerRun) {
  auto r = container().run("echo \"$GREETING\" && pwd", {.env = {{"GREETING", "hi there"}}, .workdir = "/tmp"});
  EXPECT_EQ(r.out, "hi there\n/tmp\n");
}

TEST_F(RunTest, StdinIsDelivered) {
  auto r = container().run("cat", {.input = "hello"});
  EXPECT_EQ(r.out, "hello");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(RunTest, StdinIsEmptyByDefault) {
  // Without input the exec's stdin is not attached: the command must read EOF at once, in every mode.
  auto r = container().run("cat; echo done", {.timeout = 5s});
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "done\n");
  auto empty = container().run("cat; echo done", {.timeout = 5s, .input = ""});
  EXPECT_FALSE(empty.timed_out);
  EXPECT_EQ(empty.out, "done\n");
  auto s = container().stream("cat; echo done", {.timeout = 5s});
  std::string streamed;
  for (const auto& chunk : s) streamed += chunk.data;
  EXPECT_EQ(streamed, "done\n");
  EXPECT_FALSE(s.result().timed_out);
  auto p = container().spawn("cat; echo done", {.run = {.timeout = 5s}});
  auto waited = p.wait(5s);
  EXPECT_FALSE(waited.timed_out);
  EXPECT_EQ(waited.out, "done\n");
}

TEST_F(RunTest, BinaryOutputIsUnchanged) {
  auto r = container().run("printf '\\000\\001\\377\\376\\r\\n'");
  EXPECT_EQ(r.out, std::string("\0\1\377\376\r\n", 6));
}

TEST_F(RunTest, CommandNotFoundIsANonZeroExit) {
  auto r = container().run(Command::argv({"no-such-program-xyz"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.ok());
}

TEST_F(RunTest, SequentialAndConcurrentRuns) {
  EXPECT_EQ(container().run("echo first").out, "first\n");
  EXPECT_EQ(container().run("echo second").out, "second\n");
  std::vector<std::string> outs(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { outs[static_cast<size_t>(i)] = container().run("echo " + std::to_string(i)).out; });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 8; ++i) EXPECT_EQ(outs[static_cast<size_t>(i)], std::to_string(i) + "\n");
}

TEST_F(RunTest, DurationCoversTheCommand) {
  auto r = container().run("sleep 0.1");
  EXPECT_GE(r.duration_ms(), 50.0);
}

}  // namespace
