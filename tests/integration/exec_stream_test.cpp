// Container::stream against a real engine (issue 3; reference section 6.1 "Streaming").
#include "support/engines.hpp"
#include "support/exec_helpers.hpp"

#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::Command;
using pocketdock::ExecStream;
using pocketdock::OutputStream;
using pocketdock::StreamChunk;
using ::testing::HasSubstr;

namespace {

class ExecStreamTest : public pdtest::SharedContainerTest {};

struct Split {
  std::string out, err;
  std::size_t chunks = 0;
};

Split consume(ExecStream& s) {
  Split r;
  for (const StreamChunk& c : s) {
    ++r.chunks;
    (c.stream == OutputStream::out ? r.out : r.err) += c.data;
  }
  return r;
}

TEST_F(ExecStreamTest, EchoHello) {
  auto s = container().stream("echo hello");
  auto got = consume(s);
  EXPECT_GE(got.chunks, 1U);
  EXPECT_THAT(got.out, HasSubstr("hello"));
  ASSERT_TRUE(s.finished());
  EXPECT_EQ(s.result().exit_code, 0);
  EXPECT_EQ(s.result().out, "hello\n");
  EXPECT_GT(s.result().duration_ms(), 0.0);
}

TEST_F(ExecStreamTest, StderrChunksAreTagged) {
  auto s = container().stream("echo err >&2");
  auto got = consume(s);
  EXPECT_EQ(got.err, "err\n");
  EXPECT_EQ(got.out, "");
  EXPECT_EQ(s.result().err, "err\n");
}

TEST_F(ExecStreamTest, MixedStreamsKeepTheirBytes) {
  auto s = container().stream("echo out && echo err >&2 && echo out2");
  auto got = consume(s);
  EXPECT_EQ(got.out, "out\nout2\n");
  EXPECT_EQ(got.err, "err\n");
  EXPECT_EQ(s.result().out, "out\nout2\n");
  EXPECT_EQ(s.result().err, "err\n");
}

TEST_F(ExecStreamTest, ResultCollectsEverything) {
  auto s = container().stream("echo hello; sleep 0.2; echo world");
  (void)consume(s);
  EXPECT_THAT(s.result().out, HasSubstr("hello"));
  EXPECT_THAT(s.result().out, HasSubstr("world"));
}

TEST_F(ExecStreamTest, ChunksArriveAsTheyAreWritten) {
  auto s = container().stream("echo first; sleep 1; echo second");
  auto t0 = std::chrono::steady_clock::now();
  auto it = s.begin();
  ASSERT_NE(it, s.end());
  EXPECT_EQ(it->data, "first\n");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms) << "the first chunk waited for the command to end";
  ++it;
  ASSERT_NE(it, s.end());
  EXPECT_EQ(it->data, "second\n");
  ++it;
  EXPECT_EQ(it, s.end());
}

TEST_F(ExecStreamTest, Seq1To100) {
  auto s = container().stream("seq 1 100");
  auto got = consume(s);
  std::string expected;
  for (int i = 1; i <= 100; ++i) expected += std::to_string(i) + "\n";
  EXPECT_THAT(got.out, HasSubstr("1\n"));
  EXPECT_THAT(got.out, HasSubstr("100\n"));
  EXPECT_EQ(got.out, expected);
}

TEST_F(ExecStreamTest, ExitCodeComesFromTheEngine) {
  auto s = container().stream("echo x; exit 3");
  (void)consume(s);
  EXPECT_EQ(s.result().exit_code, 3);
  EXPECT_FALSE(s.result().ok());
}

TEST_F(ExecStreamTest, ResultBeforeExhaustionIsAnError) {
  auto s = container().stream("echo a; echo b");
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
  auto it = s.begin();
  ASSERT_NE(it, s.end());
  EXPECT_FALSE(s.finished());
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
  try {
    (void)s.result();
  } catch (const pocketdock::PocketDockError& e) {
    EXPECT_THAT(e.what(), HasSubstr("result not available until the stream is exhausted"));
  }
}

TEST_F(ExecStreamTest, TimeoutKillsTheCommand) {
  auto t0 = std::chrono::steady_clock::now();
  auto s = container().stream("echo before; sleep 611 & sleep 612", {.timeout = 1s});
  auto got = consume(s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(got.out, "before\n");
  EXPECT_TRUE(s.result().timed_out);
  EXPECT_EQ(s.result().exit_code, -1);
  EXPECT_EQ(s.result().out, "before\n");
  EXPECT_GE(s.result().duration_ms(), 900.0);
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 611")) << pdtest::ps_output(container());
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 612")) << pdtest::ps_output(container());
}

TEST_F(ExecStreamTest, MaxOutputDeliversExactlyThatMuchAndKills) {
  auto t0 = std::chrono::steady_clock::now();
  auto s = container().stream("yes", {.max_output = 100000});
  auto got = consume(s);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_EQ(got.out.size() + got.err.size(), 100000U);
  EXPECT_TRUE(s.result().truncated);
  EXPECT_EQ(s.result().out, got.out);
  EXPECT_TRUE(pdtest::eventually_absent(container(), " yes")) << pdtest::ps_output(container());
}

TEST_F(ExecStreamTest, OutputOfExactlyMaxOutputIsNotTruncated) {
  auto s = container().stream("printf 12345678", {.max_output = 8});
  auto got = consume(s);
  EXPECT_EQ(got.out, "12345678");
  EXPECT_FALSE(s.result().truncated);
  EXPECT_EQ(s.result().exit_code, 0);
}

TEST_F(ExecStreamTest, DestroyedAfterFirstChunkDoesNotHangAndLeavesNoProcess) {
  auto t0 = std::chrono::steady_clock::now();
  {
    auto s = container().stream("echo first; sleep 613; echo never");
    auto it = s.begin();
    ASSERT_NE(it, s.end());
    EXPECT_EQ(it->data, "first\n");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 613")) << pdtest::ps_output(container());
}

TEST_F(ExecStreamTest, DestroyedUnreadStreamOfMuchOutputDoesNotHang) {
  auto t0 = std::chrono::steady_clock::now();
  { auto s = container().stream("yes | head -c 100000000; sleep 614"); }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 614")) << pdtest::ps_output(container());
  EXPECT_EQ(container().run("echo still-fine").out, "still-fine\n");
}

TEST_F(ExecStreamTest, CloseEndsTheStream) {
  auto s = container().stream("echo a; sleep 615");
  auto it = s.begin();
  ASSERT_NE(it, s.end());
  s.close();
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
  EXPECT_EQ(s.begin(), s.end());
  EXPECT_TRUE(pdtest::eventually_absent(container(), "sleep 615"));
}

TEST_F(ExecStreamTest, BinaryOutputPassesUnchanged) {
  auto s = container().stream("printf '\\000\\001\\377\\376\\r\\n\\200'");
  EXPECT_EQ(consume(s).out, std::string("\0\1\377\376\r\n\200", 7));

  auto make = container().run("head -c 2000000 /dev/urandom > /tmp/stream-rand.bin && md5sum /tmp/stream-rand.bin");
  ASSERT_EQ(make.exit_code, 0) << make.err;
  auto big = container().stream("cat /tmp/stream-rand.bin");
  auto got = consume(big);
  ASSERT_EQ(got.out.size(), 2000000U);
  auto echoed = container().run("md5sum", {.input = got.out});
  EXPECT_EQ(echoed.out.substr(0, 32), make.out.substr(0, 32)) << "bytes changed in transit";
}

TEST_F(ExecStreamTest, StdinIsDelivered) {
  auto s = container().stream("cat", {.input = "hello"});
  EXPECT_EQ(consume(s).out, "hello");
  EXPECT_EQ(s.result().exit_code, 0);
}

TEST_F(ExecStreamTest, ArgvCommandsRunWithoutAShell) {
  auto s = container().stream(Command::argv({"echo", "$HOME", "a;b"}));
  EXPECT_EQ(consume(s).out, "$HOME a;b\n");
}

TEST_F(ExecStreamTest, Stream256MiBInConstantMemory) {
  constexpr std::size_t kTotal = 268435456;
  ASSERT_TRUE(pdtest::reset_peak_rss());
  std::size_t before = pdtest::proc_status_kib("VmHWM");
  ASSERT_GT(before, 0U);
  auto s = container().stream("head -c 268435456 /dev/zero", {.timeout = 300s, .max_output = 2 * kTotal});
  s.collect_output(false);
  std::size_t bytes = 0;
  bool all_zero = true;
  for (const auto& chunk : s) {
    bytes += chunk.data.size();
    if (all_zero && chunk.data.find_first_not_of('\0') != std::string::npos) all_zero = false;
  }
  std::size_t after = pdtest::proc_status_kib("VmHWM");
  EXPECT_EQ(bytes, kTotal);
  EXPECT_TRUE(all_zero);
  EXPECT_EQ(s.result().exit_code, 0);
  EXPECT_FALSE(s.result().truncated);
  EXPECT_EQ(s.result().out.size(), 0U);
  std::printf("256 MiB stream: peak RSS %zu KiB -> %zu KiB (growth %zu KiB), %.0f ms\n", before, after, after - before,
              s.result().duration_ms());
  EXPECT_LT(after - before, 32U * 1024U) << "peak RSS grew with the output";
}

TEST_F(ExecStreamTest, ManyStreamsAtOnceFromSeveralThreads) {
  constexpr int kThreads = 8;
  std::vector<std::string> outs(kThreads);
  std::vector<int> codes(kThreads, -2);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto s = container().stream(fmt::format("for n in 1 2 3; do echo {}-$n; sleep 0.1; done; exit {}", i, i));
      for (const auto& c : s) outs[static_cast<std::size_t>(i)] += c.data;
      codes[static_cast<std::size_t>(i)] = s.result().exit_code;
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(outs[static_cast<std::size_t>(i)], fmt::format("{0}-1\n{0}-2\n{0}-3\n", i));
    EXPECT_EQ(codes[static_cast<std::size_t>(i)], i);
  }
}

TEST_F(ExecStreamTest, MovedStreamKeepsIterating) {
  auto s = container().stream("echo one; echo two");
  auto it = s.begin();
  ASSERT_NE(it, s.end());
  ExecStream moved = std::move(s);
  std::string all;
  for (const auto& c : moved) all += c.data;
  EXPECT_THAT(all, HasSubstr("two"));
  EXPECT_EQ(moved.result().exit_code, 0);
}

TEST(ExecStreamShutdown, NeverIteratedStreamDoesNotHang) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto s = c.stream("seq 1 10000");
  auto t0 = std::chrono::steady_clock::now();
  c.shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
  for (const auto& chunk : s) (void)chunk;  // may hold what arrived before; must end
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
}

TEST(ExecStreamShutdown, ShutdownFromAnotherThreadEndsAReader) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto s = c.stream("echo started; sleep 616");
  std::atomic<bool> ended{false};
  std::thread reader([&] {
    for (const auto& chunk : s) (void)chunk;
    ended = true;
  });
  std::this_thread::sleep_for(500ms);
  auto t0 = std::chrono::steady_clock::now();
  c.shutdown();
  reader.join();
  EXPECT_TRUE(ended);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
}

}  // namespace
