// Session failure paths a real engine cannot produce on demand: a shell that never answers, an
// exec that dies at once, a connection cut in the middle of a command.
#include "support/fake_engine.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeRequest;
using pdtest::frame;
using ::testing::HasSubstr;

namespace {

constexpr const char* kUpgrade = "HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n";

std::chrono::milliseconds elapsed_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
}

// Answers the scripts written to the session: `reply(index, nonce)` gives the bytes to send for
// the index-th send_and_wait command, or nullopt to cut the connection. Every script the library
// wrote (sent ones too) is recorded in `seen` when given.
struct SeenScripts {
  std::mutex mutex;
  std::vector<pdtest::ShellScript> scripts;
  std::vector<pdtest::ShellScript> copy() {
    std::lock_guard lock(mutex);
    return scripts;
  }
};
using FakeShell = std::function<std::optional<std::string>(int index, const std::string& nonce)>;

pdtest::FakeHandler fake_shell(FakeShell reply, std::shared_ptr<SeenScripts> seen = nullptr) {
  return [reply, seen](const FakeRequest&, pocketdock::detail::UnixConnection& c, FakeEngine& e) {
    c.write_all(kUpgrade, pocketdock::detail::deadline_after(1s));
    pdtest::ShellScriptParser parser;
    int index = 0;
    char buf[4096];
    while (!e.stopping()) {
      std::size_t n = 0;
      try {
        n = c.read_some(buf, sizeof buf, pocketdock::detail::deadline_after(200ms));
      } catch (const pocketdock::TimeoutError&) {
        continue;
      }
      if (n == 0) return false;
      parser.feed(std::string_view(buf, n));
      while (auto script = parser.next()) {
        if (seen) {
          std::lock_guard lock(seen->mutex);
          seen->scripts.push_back(*script);
        }
        if (script->nonce.empty()) continue;  // a sent command gets no markers
        auto bytes = reply(index++, script->nonce);
        if (!bytes) return false;
        c.write_all(*bytes, pocketdock::detail::deadline_after(1s));
      }
    }
    return false;
  };
}

std::string answer(const std::string& nonce, const std::string& out, const std::string& err, int code) {
  return frame(1, "\x1ePDS" + nonce + "\x1e" + out + "\x1ePDE" + nonce + " " + std::to_string(code) + "\x1e") +
         frame(2, "\x1ePDS" + nonce + "\x1e" + err + "\x1ePDE" + nonce + "\x1e");
}

class FakeSession : public ::testing::Test {
 protected:
  void SetUp() override {
    pdtest::serve_container(engine);
    engine.on("POST", "/exec", FakeEngine::json(201, R"({"Id":"exec1"})"));
    engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":9})"));
  }
  pocketdock::Container make(std::chrono::milliseconds api_timeout = 2s) {
    return pocketdock::create_new_container(pdtest::fake_container_options(engine, "pd-fake0001", api_timeout));
  }
  FakeEngine engine;
};

TEST_F(FakeSession, ShellThatNeverAnswersFailsTheStart) {
  engine.on("POST", "/exec/exec1/start", [](const FakeRequest&, pocketdock::detail::UnixConnection& c, FakeEngine& e) {
    c.write_all(kUpgrade, pocketdock::detail::deadline_after(1s));
    e.wait_until_stopped();
    return false;
  });
  auto c = make(500ms);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW((void)c.session(), pocketdock::SessionClosed);
  EXPECT_LT(elapsed_since(t0), 5s);
}

TEST_F(FakeSession, ExecThatDiesAtOnceSaysWhy) {
  engine.on(
      "POST", "/exec/exec1/start",
      FakeEngine::upgrade(frame(2, "OCI runtime exec failed: exec: \"zsh\": executable file not found in $PATH")));
  auto c = make();
  try {
    (void)c.session({.shell = "zsh"});
    FAIL() << "expected SessionClosed";
  } catch (const pocketdock::SessionClosed& e) {
    EXPECT_THAT(e.what(), HasSubstr("executable file not found"));
    EXPECT_THAT(e.what(), HasSubstr("zsh"));
  }
}

TEST_F(FakeSession, FakeShellRoundTrip) {
  engine.on("POST", "/exec/exec1/start",
            fake_shell([](int index, const std::string& nonce) -> std::optional<std::string> {
              if (index == 0) return answer(nonce, "bash", "", 0);  // the dialect probe
              return frame(1, "x") + answer(nonce, "out" + std::to_string(index), "err", index) + frame(1, "later");
            }));
  auto c = make();
  auto s = c.session();
  auto r = s.send_and_wait("anything");
  EXPECT_EQ(r.out, "out1");
  EXPECT_EQ(r.err, "err");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(s.send_and_wait("again").exit_code, 2);
  EXPECT_THAT(s.read(), ::testing::StartsWith("xout1errlaterxout2err"));  // the last "later" may still be on its way
}

// The dialect the probe finds decides the form of every later script; both carry commands verbatim.
void expect_scripts_in_dialect(FakeEngine& engine, pocketdock::Container& c, bool bash) {
  auto recorded = std::make_shared<SeenScripts>();
  engine.on("POST", "/exec/exec1/start",
            fake_shell(
                [bash](int index, const std::string& nonce) -> std::optional<std::string> {
                  return answer(nonce, index == 0 && bash ? "bash" : "", "", 0);
                },
                recorded));
  const std::string waited = "echo 'h\xc3\xa9llo \xe2\x9c\x93' \"$x\"\nprintf done";
  const std::string sent = "x=1 # no newline at the end";
  {
    auto s = c.session();
    EXPECT_EQ(s.send_and_wait(waited).exit_code, 0);
    s.send(sent);
    EXPECT_EQ(s.send_and_wait("").exit_code, 0);
  }
  std::vector<pdtest::ShellScript> seen = recorded->copy();
  ASSERT_EQ(seen.size(), 4U);
  const auto& probe = seen[0];
  EXPECT_FALSE(probe.bash_form);  // before the probe the dialect is unknown
  EXPECT_EQ(probe.command, "printf %s \"${BASH_VERSION:+bash}\"");
  for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i].bash_form, bash) << i;
  EXPECT_EQ(seen[1].command, waited);
  EXPECT_EQ(seen[1].nonce.size(), 32U);
  EXPECT_EQ(seen[1].kill_token.size(), 32U);
  EXPECT_NE(seen[1].nonce, seen[1].kill_token);
  EXPECT_EQ(seen[2].command, sent);
  EXPECT_EQ(seen[2].nonce, "");
  EXPECT_EQ(seen[3].command, bash ? "" : ":");
  EXPECT_NE(seen[3].nonce, seen[1].nonce);
}

TEST_F(FakeSession, BashDialectScriptsCarryCommandsVerbatim) {
  auto c = make();
  expect_scripts_in_dialect(engine, c, true);
}

TEST_F(FakeSession, PosixDialectScriptsCarryCommandsVerbatim) {
  auto c = make();
  expect_scripts_in_dialect(engine, c, false);
}

TEST_F(FakeSession, ConnectionCutMidCommandEndsTheSession) {
  engine.on("POST", "/exec/exec1/start",
            fake_shell([](int index, const std::string& nonce) -> std::optional<std::string> {
              if (index == 0) return answer(nonce, "bash", "", 0);
              return std::nullopt;
            }));
  auto c = make();
  auto s = c.session();
  auto t0 = std::chrono::steady_clock::now();
  auto r = s.send_and_wait("anything", 10s);
  EXPECT_LT(elapsed_since(t0), 3s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 9);  // what the engine says the shell exited with
  EXPECT_FALSE(s.is_open());
  EXPECT_THROW((void)s.send_and_wait("more"), pocketdock::SessionClosed);
}

TEST_F(FakeSession, SilentShellTimesOutAndThenIsUnusable) {
  engine.on("POST", "/exec/exec1/start",
            fake_shell([](int index, const std::string& nonce) -> std::optional<std::string> {
              if (index == 0) return answer(nonce, "bash", "", 0);
              // The command starts and never ends, whatever is killed.
              return frame(1, "\x1ePDS" + nonce + "\x1e") + frame(2, "\x1ePDS" + nonce + "\x1e");
            }));
  auto c = make(500ms);
  auto s = c.session();
  auto r = s.send_and_wait("hang", 300ms);
  EXPECT_TRUE(r.timed_out);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW((void)s.send_and_wait("next"), pocketdock::SessionClosed);
  EXPECT_LT(elapsed_since(t0), 8s);
  EXPECT_FALSE(s.is_open());
}

}  // namespace
