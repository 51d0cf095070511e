// Nothing a command starts outlives its timeout, Process::kill, a session's timeout or a
// destroyed stream: background jobs, a cleared environment (env -u), setsid, a double fork,
// nohup and a TERM trap are all ended (issue 13, item 7).
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

using namespace std::chrono_literals;

namespace {

// Each escape keeps a `sleep` of its own length running; the marker is that length.
const std::vector<std::pair<std::string, std::string>> kEscapes = {
    {"background job", "sleep 7101 &"},
    {"env -u", "env -u POCKETDOCK_EXEC_TOKEN -u POCKETDOCK_SESSION_CMD sleep 7102 &"},
    {"setsid", "setsid sleep 7103 &"},
    {"double fork", "(sh -c 'sleep 7104 &' &)"},
    {"nohup", "nohup sleep 7105 >/dev/null 2>&1 &"},
    {"TERM trap", "sh -c 'trap \"\" TERM; sleep 7106' &"},
    {"env -u + setsid + double fork",
     "env -u POCKETDOCK_EXEC_TOKEN -u POCKETDOCK_SESSION_CMD setsid sh -c '(sleep 7107 &)' &"},
};

// Starts every escape, says so, then waits for its end.
std::string escape_script() {
  std::string s;
  for (const auto& [name, line] : kEscapes) s += line + " >/dev/null 2>&1\n";
  s += "sleep 0.3; echo ready; sleep 600\n";
  return s;
}

// The escapes still running in `c` two seconds after the kill, by name.
std::vector<std::string> survivors(pocketdock::Container& c) {
  std::this_thread::sleep_for(2s);
  std::string ps = pdtest::ps_output(c);
  std::vector<std::string> left;
  for (std::size_t i = 0; i < kEscapes.size(); ++i) {
    if (ps.find("sleep 710" + std::to_string(i + 1)) != std::string::npos) left.push_back(kEscapes[i].first);
  }
  if (ps.find("sleep 600") != std::string::npos) left.emplace_back("the command itself");
  return left;
}

class Containment : public ::testing::Test {
 protected:
  pocketdock::Container c = pocketdock::create_new_container(pdtest::sandbox_options());
};

TEST_F(Containment, RunTimeoutEndsEveryEscape) {
  auto r = c.run(escape_script(), {.timeout = 2s});
  EXPECT_TRUE(r.timed_out);
  EXPECT_THAT(r.out, ::testing::HasSubstr("ready"));
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
}

TEST_F(Containment, ProcessKillEndsEveryEscape) {
  auto p = c.spawn(escape_script());
  for (int i = 0; i < 100 && p.peek().out.find("ready") == std::string::npos; ++i) std::this_thread::sleep_for(50ms);
  ASSERT_THAT(p.peek().out, ::testing::HasSubstr("ready"));
  p.kill();  // SIGTERM: the trap ignores it, so SIGKILL follows
  auto r = p.wait(10s);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
}

TEST_F(Containment, DestroyedProcessEndsEveryEscape) {
  {
    auto p = c.spawn(escape_script());
    for (int i = 0; i < 100 && p.peek().out.find("ready") == std::string::npos; ++i) {
      std::this_thread::sleep_for(50ms);
    }
    ASSERT_THAT(p.peek().out, ::testing::HasSubstr("ready"));
  }
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
}

TEST_F(Containment, DestroyedStreamEndsEveryEscape) {
  {
    auto s = c.stream(escape_script());
    auto it = s.begin();
    ASSERT_NE(it, s.end());
    EXPECT_THAT(it->data, ::testing::HasSubstr("ready"));
  }
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
}

TEST_F(Containment, SessionTimeoutEndsEveryEscapeAndKeepsTheSession) {
  auto session = c.session();
  // A job of an earlier command is the session's, not the timed-out command's: it stays.
  ASSERT_EQ(session.send_and_wait("sleep 7199 >/dev/null 2>&1 &", 10s).exit_code, 0);
  std::this_thread::sleep_for(100ms);
  auto r = session.send_and_wait(escape_script(), 2s);
  EXPECT_TRUE(r.timed_out);
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
  EXPECT_THAT(pdtest::ps_output(c), ::testing::HasSubstr("sleep 7199"));
  auto after = session.send_and_wait("echo still here", 10s);
  EXPECT_EQ(after.exit_code, 0);
  EXPECT_EQ(after.out, "still here\n");
}

TEST_F(Containment, ClosedSessionEndsEveryEscape) {
  {
    auto session = c.session();
    session.send(escape_script());
    std::this_thread::sleep_for(1s);
  }
  EXPECT_THAT(survivors(c), ::testing::IsEmpty());
}

}  // namespace
