// ExecStream and Process failure paths a real engine cannot be made to produce: streams cut
// inside a frame, engines that go silent, odd frame types.
#include "support/fake_engine.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <stdexcept>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeRequest;
using pdtest::frame;
using pocketdock::OutputStream;
using ::testing::HasSubstr;

namespace {

template <class F>
std::chrono::milliseconds timed(F&& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

// Upgrades, sends `bytes`, then says nothing more until the fake engine stops.
pdtest::FakeHandler upgrade_then_silence(std::string bytes) {
  return [bytes = std::move(bytes)](const FakeRequest&, pocketdock::detail::UnixConnection& c, FakeEngine& e) {
    c.write_all("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n" + bytes, pocketdock::detail::deadline_after(1s));
    e.wait_until_stopped();
    return false;
  };
}

class FakeExecModes : public ::testing::Test {
 protected:
  void SetUp() override {
    pdtest::serve_container(engine);
    engine.on("POST", "/exec", FakeEngine::json(201, R"({"Id":"exec1"})"));
    engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":7})"));
  }
  pocketdock::Container make(std::chrono::milliseconds api_timeout = 500ms) {
    return pocketdock::create_new_container(pdtest::fake_container_options(engine, "pd-fake0002", api_timeout));
  }
  FakeEngine engine;
};

TEST_F(FakeExecModes, StreamYieldsFramesInOrderAndTheExitCode) {
  engine.on("POST", "/exec/exec1/start",
            FakeEngine::upgrade(frame(1, "hel") + frame(2, "oops") + frame(1, "lo\n") + frame(1, "")));
  auto c = make();
  auto s = c.stream("x");
  std::vector<pocketdock::StreamChunk> chunks;
  for (const auto& chunk : s) chunks.push_back(chunk);
  ASSERT_EQ(chunks.size(), 3U);
  EXPECT_EQ(chunks[0], (pocketdock::StreamChunk{OutputStream::out, "hel"}));
  EXPECT_EQ(chunks[1], (pocketdock::StreamChunk{OutputStream::err, "oops"}));
  EXPECT_EQ(chunks[2], (pocketdock::StreamChunk{OutputStream::out, "lo\n"}));
  EXPECT_EQ(s.result().exit_code, 7);
  EXPECT_EQ(s.result().out, "hello\n");
  EXPECT_EQ(s.result().err, "oops");
}

TEST_F(FakeExecModes, StreamSkipsStdinAndUnknownFrameTypes) {
  engine.on("POST", "/exec/exec1/start",
            FakeEngine::upgrade(frame(0, "in") + frame(1, "a") + frame(3, "sys") + frame(1, "b")));
  auto c = make();
  auto s = c.stream("x");
  std::string all;
  for (const auto& chunk : s) all += chunk.data;
  EXPECT_EQ(all, "ab");
}

TEST_F(FakeExecModes, StreamCutInsideAFrameIsAnErrorAfterTheBytesThatArrived) {
  engine.on("POST", "/exec/exec1/start",
            FakeEngine::upgrade(frame(1, "complete") + frame(1, "cut here").substr(0, 11)));
  auto c = make();
  auto s = c.stream("x");
  std::string got;
  try {
    for (const auto& chunk : s) got += chunk.data;
    FAIL() << "no error for a stream cut inside a frame";
  } catch (const pocketdock::SocketCommunicationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cut inside a frame"));
  }
  EXPECT_EQ(got, "completecut");
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
}

TEST_F(FakeExecModes, StreamOnASilentEngineEndsAtItsTimeout) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(frame(1, "partial")));
  auto c = make();
  std::string got;
  std::optional<pocketdock::ExecStream> s;
  auto took = timed([&] {
    s.emplace(c.stream("x", {.timeout = 700ms}));
    for (const auto& chunk : *s) got += chunk.data;
  });
  EXPECT_EQ(got, "partial");
  EXPECT_TRUE(s->result().timed_out);
  EXPECT_EQ(s->result().exit_code, -1);
  EXPECT_GE(took, 650ms);
  EXPECT_LT(took, 6s);
  // The kill was attempted: a second exec carrying the token went out.
  int creates = 0;
  for (const auto& r : engine.requests())
    creates += r.method == "POST" && r.target.find("/containers/abc123abc123abc123/exec") != std::string::npos;
  EXPECT_EQ(creates, 2);
}

TEST_F(FakeExecModes, StreamDestroyedOnASilentEngineDoesNotHang) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(frame(1, "first")));
  auto c = make();
  auto took = timed([&] {
    auto s = c.stream("x", {.timeout = 60s});
    auto it = s.begin();
    ASSERT_NE(it, s.end());
    EXPECT_EQ(it->data, "first");
  });
  EXPECT_LT(took, 6s);
}

TEST_F(FakeExecModes, StreamWithASilentExitCodeInspectIsATimeout) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "x")));
  engine.on("GET", "/exec/", FakeEngine::silent());
  auto c = make();
  auto s = c.stream("x");
  auto it = s.begin();
  ASSERT_NE(it, s.end());
  EXPECT_EQ(it->data, "x");
  auto took = timed([&] { EXPECT_THROW(++it, pocketdock::TimeoutError); });
  EXPECT_LT(took, 3s);
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
}

TEST_F(FakeExecModes, ShutdownEndsAStreamBlockedOnASilentEngine) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(frame(1, "first")));
  auto c = make();
  auto s = c.stream("x", {.timeout = 60s});
  std::thread reader([&] {
    for (const auto& chunk : s) (void)chunk;
  });
  std::this_thread::sleep_for(200ms);
  auto took = timed([&] {
    c.shutdown();
    reader.join();
  });
  EXPECT_LT(took, 3s);
  EXPECT_THROW((void)s.result(), pocketdock::StreamNotFinished);
}

TEST_F(FakeExecModes, ProcessDemuxesIntoItsBufferAndCallbacksThatThrowAreIsolated) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "a") + frame(2, "b") + frame(1, "c")));
  auto c = make();
  std::mutex m;
  std::string out, err;
  std::vector<int> codes;
  c.on_stdout([](std::string_view) { throw std::runtime_error("first callback fails"); });
  c.on_stdout([&](std::string_view d) {
    std::lock_guard lock(m);
    out += d;
  });
  c.on_stderr([](std::string_view) { throw 3; });
  c.on_stderr([&](std::string_view d) {
    std::lock_guard lock(m);
    err += d;
  });
  c.on_exit([](int) { throw std::runtime_error("exit callback fails"); });
  c.on_exit([&](int code) {
    std::lock_guard lock(m);
    codes.push_back(code);
  });
  auto p = c.spawn("x");
  auto r = p.wait(5s);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "ac");
  EXPECT_EQ(r.err, "b");
  std::lock_guard lock(m);
  EXPECT_EQ(out, "ac");
  EXPECT_EQ(err, "b");
  EXPECT_EQ(codes, std::vector<int>{7});
}

TEST_F(FakeExecModes, ProcessCutInsideAFrameKeepsTheBytesThatArrived) {
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(1, "whole") + frame(1, "cut here").substr(0, 11)));
  auto c = make();
  auto p = c.spawn("x");
  auto r = p.wait(5s);
  EXPECT_EQ(r.out, "wholecut");
  EXPECT_FALSE(p.is_running());
}

TEST_F(FakeExecModes, ProcessOnASilentEngine) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(frame(1, "hi")));
  engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":true,"ExitCode":null})"));
  auto c = make();
  auto took = timed([&] {
    auto p = c.spawn("x");
    EXPECT_THROW((void)p.wait(300ms), pocketdock::TimeoutError);
    EXPECT_TRUE(p.is_running());
    EXPECT_EQ(p.peek().out, "hi");
  });
  EXPECT_LT(took, 10s) << "destroying a process on a silent engine must be bounded";
}

TEST_F(FakeExecModes, ProcessTimeoutOnASilentEngine) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(frame(1, "hi")));
  auto c = make();
  auto p = c.spawn("x", {.run = {.timeout = 300ms}});
  auto r = p.wait(6s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(r.out, "hi");
}

TEST_F(FakeExecModes, ShutdownEndsAProcessOnASilentEngineAndFiresOnExit) {
  engine.on("POST", "/exec/exec1/start", upgrade_then_silence(""));
  auto c = make();
  std::atomic<int> exit_code{100};
  c.on_exit([&](int code) { exit_code = code; });
  auto p = c.spawn("x");
  auto took = timed([&] { c.shutdown(); });
  EXPECT_LT(took, 3s);
  auto r = p.wait(1s);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_EQ(exit_code.load(), -1);
}

TEST_F(FakeExecModes, InvalidOptionsAreRejectedBeforeAnyExec) {
  auto c = make();
  EXPECT_THROW((void)c.stream("x", {.timeout = 0ms}), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.spawn("x", {.buffer_capacity = 0}), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.spawn("x", {.run = {.timeout = -1ms}}), pocketdock::InvalidArgument);
  for (const auto& r : engine.requests()) EXPECT_THAT(r.target, ::testing::Not(HasSubstr("/exec")));
}

}  // namespace
