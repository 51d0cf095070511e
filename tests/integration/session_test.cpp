// Persistent shell sessions against a real engine (issue 5): the reference's scenarios plus the
// defects it has and we fix (lost output without newline, late stderr, leaking markers, stdin
// swallowing, timeouts that wedge the session).
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using pocketdock::Session;
using pocketdock::SessionClosed;
using pocketdock::SessionOptions;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

using SteadyClock = std::chrono::steady_clock;

double ms_since(SteadyClock::time_point t) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - t).count();
}

class SessionTest : public pdtest::SharedContainerTest {
 protected:
  void SetUp() override { session_ = std::make_unique<Session>(container().session()); }
  void TearDown() override { session_.reset(); }
  Session& session() { return *session_; }

 private:
  std::unique_ptr<Session> session_;
};

TEST_F(SessionTest, EchoHello) {
  EXPECT_FALSE(session().id().empty());
  EXPECT_TRUE(session().is_open());
  auto r = session().send_and_wait("echo hello");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.out, "hello\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(r.timed_out);
}

TEST_F(SessionTest, WorkingDirectoryPersists) {
  EXPECT_TRUE(session().send_and_wait("cd /tmp").ok());
  EXPECT_EQ(session().send_and_wait("pwd").out, "/tmp\n");
}

TEST_F(SessionTest, ExportedVariablePersists) {
  EXPECT_TRUE(session().send_and_wait("export MY_VAR=pocketdock_test").ok());
  EXPECT_EQ(session().send_and_wait("echo $MY_VAR").out, "pocketdock_test\n");
}

TEST_F(SessionTest, FunctionsAndPlainVariablesPersist) {
  EXPECT_TRUE(session().send_and_wait("greet() { echo \"hi $1\"; }\nplain=42").ok());
  EXPECT_EQ(session().send_and_wait("greet you; echo $plain").out, "hi you\n42\n");
}

TEST_F(SessionTest, SequentialCommands) {
  EXPECT_EQ(session().send_and_wait("echo first").out, "first\n");
  EXPECT_EQ(session().send_and_wait("echo second").out, "second\n");
  EXPECT_EQ(session().send_and_wait("echo third").out, "third\n");
}

TEST_F(SessionTest, ExitCodes) {
  auto ok = session().send_and_wait("exit_code_test_cmd_does_not_exist 2>/dev/null; true");
  EXPECT_EQ(ok.exit_code, 0);
  auto bad = session().send_and_wait("false");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(session().send_and_wait("(exit 42)").exit_code, 42);
  auto missing = session().send_and_wait("exit_code_test_cmd_does_not_exist");
  EXPECT_EQ(missing.exit_code, 127);
  EXPECT_THAT(missing.err, HasSubstr("exit_code_test_cmd_does_not_exist"));
}

TEST_F(SessionTest, OutputWithoutTrailingNewlineIsKept) {
  auto r = session().send_and_wait("printf abc");
  EXPECT_EQ(r.out, "abc");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(session().send_and_wait("printf 'x\\ny'; printf z >&2").out, "x\ny");
}

TEST_F(SessionTest, AllStderrIsInTheResultWithoutSleep) {
  for (int i = 0; i < 20; ++i) {
    auto r = session().send_and_wait("echo err >&2");
    ASSERT_EQ(r.err, "err\n") << "round " << i;
    ASSERT_EQ(r.out, "");
    ASSERT_EQ(r.exit_code, 0);
  }
  auto reference = session().send_and_wait("echo err >&2; sleep 0.05");  // the reference's own scenario
  EXPECT_EQ(reference.err, "err\n");
  auto mixed = session().send_and_wait("echo o1; echo e1 >&2; echo o2; printf e2 >&2");
  EXPECT_EQ(mixed.out, "o1\no2\n");
  EXPECT_EQ(mixed.err, "e1\ne2");
}

TEST_F(SessionTest, TimeoutInterruptsTheCommandAndTheSessionRecovers) {
  auto r = session().send_and_wait("sleep 30", 500ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.ok());
  auto t0 = SteadyClock::now();
  auto next = session().send_and_wait("echo ok", 10s);
  double waited = ms_since(t0);
  EXPECT_EQ(next.out, "ok\n");
  EXPECT_EQ(next.err, "");
  EXPECT_EQ(next.exit_code, 0);
  EXPECT_LT(waited, 2000.0);
  EXPECT_THAT(pdtest::ps_output(container()), Not(HasSubstr("sleep 30")));
  EXPECT_TRUE(session().is_open());
}

TEST_F(SessionTest, TimeoutKillsWhatTheCommandStartsNext) {
  // The kill may land on the first sleep; the list then starts the second, which must die too.
  auto r = session().send_and_wait("sleep 0.6; sleep 31", 300ms);
  EXPECT_TRUE(r.timed_out);
  auto t0 = SteadyClock::now();
  EXPECT_EQ(session().send_and_wait("echo ok", 10s).out, "ok\n");
  EXPECT_LT(ms_since(t0), 2000.0);
  EXPECT_THAT(pdtest::ps_output(container()), Not(HasSubstr("sleep 31")));
}

TEST_F(SessionTest, TimedOutCommandQueuedBehindASentOneIsKilledWhenItStarts) {
  session().send("sleep 1");
  auto r = session().send_and_wait("sleep 32", 300ms);  // never started before its timeout
  EXPECT_TRUE(r.timed_out);
  auto next = session().send_and_wait("echo ok", 10s);
  EXPECT_EQ(next.out, "ok\n");
  EXPECT_EQ(next.exit_code, 0);
  EXPECT_THAT(pdtest::ps_output(container()), Not(HasSubstr("sleep 32")));
  EXPECT_TRUE(session().is_open());
}

TEST_F(SessionTest, TimeoutKeepsOutputSoFarAndDropsTheRest) {
  auto r = session().send_and_wait("echo before; echo eb >&2; sleep 30; echo after", 700ms);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.out, "before\n");
  EXPECT_EQ(r.err, "eb\n");
  auto next = session().send_and_wait("echo next");
  EXPECT_EQ(next.out, "next\n");
  (void)session().read();
}

TEST_F(SessionTest, ThousandAlternatingCommandsReturnExactExitCodes) {
  for (int i = 0; i < 1000; ++i) {
    bool even = i % 2 == 0;
    auto r = session().send_and_wait(even ? "true" : "false");
    ASSERT_EQ(r.exit_code, even ? 0 : 1) << "command " << i;
    ASSERT_EQ(r.out, "");
    ASSERT_EQ(r.err, "");
  }
}

TEST_F(SessionTest, ForgedMarkersAreOrdinaryOutput) {
  // Markers of this protocol with a nonce of the command's own choosing, and the reference's sentinel.
  const std::string cmd =
      "printf '\\036PDE0123456789abcdef0123456789abcdef 0\\036'; printf "
      "'\\036PDS0123456789abcdef0123456789abcdef\\036' >&2;"
      " echo __PD_0123456789abcdef_0__";
  auto r = session().send_and_wait(cmd);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "\x1ePDE0123456789abcdef0123456789abcdef 0\x1e__PD_0123456789abcdef_0__\n");
  EXPECT_EQ(r.err, "\x1ePDS0123456789abcdef0123456789abcdef\x1e");
  EXPECT_EQ(session().send_and_wait("echo after").out, "after\n");
}

TEST_F(SessionTest, CommandReadingStdinCannotSwallowTheProtocol) {
  auto t0 = SteadyClock::now();
  auto r = session().send_and_wait("cat", 5s);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_LT(ms_since(t0), 2000.0);
  EXPECT_EQ(session().send_and_wait("read line; echo \"rc=$? [$line]\"").out, "rc=1 []\n");
  EXPECT_EQ(session().send_and_wait("echo next").out, "next\n");
}

TEST_F(SessionTest, QuotesSubstitutionsAndHeredocsAreSentVerbatim) {
  EXPECT_EQ(session().send_and_wait("echo \"it's $(echo sub) `echo bt`\" '$HOME' \\$x").out, "it's sub bt $HOME $x\n");
  EXPECT_EQ(session().send_and_wait("cat <<EOF\nline $((1+2))\n}\nEOF\necho done").out, "line 3\n}\ndone\n");
  EXPECT_EQ(session().send_and_wait("cat <<'EOF'\n$HOME '\"\nEOF").out, "$HOME '\"\n");
  EXPECT_EQ(session().send_and_wait("for i in 1 2 3; do\n  printf $i\ndone").out, "123");
  EXPECT_EQ(session().send_and_wait("").exit_code, 0);
  EXPECT_EQ(session().send_and_wait("# only a comment").exit_code, 0);
}

TEST_F(SessionTest, LargeCommandText) {
  std::string cmd = "x=" + std::string(200000, 'a') + "\necho ${#x}";
  EXPECT_EQ(session().send_and_wait(cmd).out, "200000\n");
  Session sh = container().session({.shell = "sh"});
  EXPECT_EQ(sh.send_and_wait(cmd).out, "200000\n");
}

TEST_F(SessionTest, NulInCommandIsRejected) {
  EXPECT_THROW((void)session().send_and_wait(std::string("echo a\0b", 8)), pocketdock::InvalidArgument);
  EXPECT_EQ(session().send_and_wait("echo fine").out, "fine\n");
}

TEST_F(SessionTest, SyntaxErrorIsContainedInBash) {
  auto r = session().send_and_wait("echo \"unterminated");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("unexpected EOF"));
  auto fi = session().send_and_wait("fi");
  EXPECT_EQ(fi.exit_code, 2);
  EXPECT_TRUE(session().is_open());
  EXPECT_EQ(session().send_and_wait("echo still").out, "still\n");
}

TEST_F(SessionTest, CommandsRunAtTheTopLevel) {
  // As at the top level of a non-interactive bash: return, break and local fail and the list goes on.
  auto ret = session().send_and_wait("return 3; echo after-return");
  EXPECT_EQ(ret.out, "after-return\n");
  EXPECT_THAT(ret.err, HasSubstr("return"));
  auto brk = session().send_and_wait("break; echo after-break");
  EXPECT_EQ(brk.out, "after-break\n");
  auto loc = session().send_and_wait("local v=1; echo \"[$v]\"");
  EXPECT_EQ(loc.out, "[]\n");
  EXPECT_THAT(loc.err, HasSubstr("local"));
  EXPECT_EQ(session().send_and_wait("f() { local v=inner; return 4; }; v=outer; f; echo \"$? $v\"").out, "4 outer\n");
  // Multi-byte text is counted in bytes (it would eat the next command otherwise).
  const std::string text = "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80";
  auto mb = session().send_and_wait("s='" + text + "'; printf '%s\\n' \"$s\"; printf %s \"$s\" | wc -c | tr -d ' '");
  EXPECT_EQ(mb.out, text + "\n" + std::to_string(text.size()) + "\n");
  EXPECT_EQ(session().send_and_wait("echo \"$v\"").out, "outer\n");
  // User functions named like the builtins the protocol uses do not get in its way.
  EXPECT_TRUE(
      session()
          .send_and_wait("read() { echo fake-read; }; printf() { echo fake-printf; }; eval() { echo fake-eval; }; "
                         "export() { :; }; unset() { :; }")
          .ok());
  auto fake = session().send_and_wait("printf x; read; echo ok; printf e >&2");
  EXPECT_EQ(fake.out, "fake-printf\nfake-read\nok\n");
  EXPECT_EQ(fake.err, "fake-printf\n");
  session().send("x=sent");
  auto env = session().send_and_wait("env | grep -c '^POCKETDOCK_SESSION_CMD='; echo $x");
  EXPECT_EQ(env.out, "1\nsent\n");
  EXPECT_EQ(env.exit_code, 0);
  auto timed = session().send_and_wait("sleep 30", 300ms);  // the kill token still reaches the command
  EXPECT_TRUE(timed.timed_out);
  EXPECT_EQ(session().send_and_wait("echo alive", 10s).out, "alive\n");
}

TEST_F(SessionTest, RunDoesNotSeeSessionState) {
  EXPECT_TRUE(session().send_and_wait("export SESSION_VAR=yes; cd /tmp").ok());
  auto r = container().run("echo \"[$SESSION_VAR]\"; pwd");
  EXPECT_EQ(r.out, "[]\n/home/sandbox\n");
  EXPECT_EQ(session().send_and_wait("echo $SESSION_VAR").out, "yes\n");
}

TEST_F(SessionTest, SendAndReadInArrivalOrder) {
  session().send("echo one");
  session().send("echo two >&2");
  session().send("printf three");
  auto sync = session().send_and_wait("echo sync");
  EXPECT_EQ(sync.out, "sync\n");
  std::string all = session().read();
  EXPECT_THAT(all, HasSubstr("one\n"));
  EXPECT_THAT(all, HasSubstr("two\n"));
  EXPECT_THAT(all, HasSubstr("three"));
  EXPECT_LT(all.find("one"), all.find("three"));
  EXPECT_LT(all.find("three"), all.find("sync"));
  EXPECT_THAT(all, Not(HasSubstr("PD")));
  EXPECT_EQ(session().read(), "");
}

TEST_F(SessionTest, SentCommandsDoNotReadStdinEither) {
  session().send("cat");
  EXPECT_EQ(session().send_and_wait("echo fine", 5s).out, "fine\n");
}

TEST_F(SessionTest, OnOutputSeesEveryPiece) {
  std::mutex m;
  std::string seen;
  session().on_output([&](std::string_view d) {
    std::lock_guard lock(m);
    seen.append(d);
  });
  session().on_output([](std::string_view) { throw std::runtime_error("ignored"); });
  EXPECT_EQ(session().send_and_wait("echo cb; printf e >&2").out, "cb\n");
  std::lock_guard lock(m);
  EXPECT_THAT(seen, HasSubstr("cb\n"));
  EXPECT_THAT(seen, HasSubstr("e"));
  EXPECT_THAT(seen, Not(HasSubstr("PD")));
}

TEST_F(SessionTest, LargeOutputArrivesWhole) {
  auto r = session().send_and_wait("head -c 1000000 /dev/zero | tr '\\0' x; head -c 300000 /dev/zero | tr '\\0' y >&2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), 1000000U);
  EXPECT_EQ(r.err.size(), 300000U);
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), 'x'), 1000000);
  EXPECT_EQ(session().send_and_wait("echo after").out, "after\n");
}

TEST_F(SessionTest, ConcurrentCallersTakeTurns) {
  std::atomic<int> wrong{0};
  auto worker = [&](int id) {
    for (int i = 0; i < 50; ++i) {
      std::string want = std::to_string(id) + "-" + std::to_string(i);
      if (session().send_and_wait("echo " + want).out != want + "\n") ++wrong;
    }
  };
  std::thread a(worker, 1);
  std::thread b(worker, 2);
  a.join();
  b.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(SessionTest, ExitEndsTheSession) {
  auto r = session().send_and_wait("exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(session().is_open());
  EXPECT_THROW((void)session().send_and_wait("echo hi"), SessionClosed);
  EXPECT_THROW(session().send("echo hi"), SessionClosed);
}

TEST_F(SessionTest, CloseIsIdempotentAndLaterUseThrows) {
  session().close();
  session().close();
  EXPECT_FALSE(session().is_open());
  EXPECT_THROW((void)session().send_and_wait("echo hi"), SessionClosed);
  EXPECT_THROW(session().send("echo hi"), SessionClosed);
  EXPECT_THROW(session().on_output([](std::string_view) {}), SessionClosed);
  EXPECT_EQ(session().read(), "");
  EXPECT_TRUE(container().run("echo alive").ok());
}

TEST_F(SessionTest, CloseEndsWhatTheSessionStarted) {
  session().send("sleep 4242 &");
  session().send("sleep 4343");
  EXPECT_EQ(session().send_and_wait("echo x", 200ms).timed_out, true);  // queued behind sleep 4343
  session().close();
  std::string ps = pdtest::ps_output(container());
  EXPECT_THAT(ps, Not(HasSubstr("sleep 4242")));
  EXPECT_THAT(ps, Not(HasSubstr("sleep 4343")));
}

TEST_F(SessionTest, UninterruptibleBuiltinLoopMakesTheSessionUnusable) {
  auto r = session().send_and_wait("while :; do :; done", 300ms);
  EXPECT_TRUE(r.timed_out);
  try {
    (void)session().send_and_wait("echo never");
    ADD_FAILURE() << "expected SessionClosed";
  } catch (const SessionClosed& e) {
    EXPECT_THAT(e.what(), HasSubstr("could not be interrupted"));
  }
  EXPECT_FALSE(session().is_open());
  session().close();  // kills the looping shell
  EXPECT_THAT(pdtest::ps_output(container()), Not(HasSubstr("bash")));
}

TEST_F(SessionTest, OutputCapTruncatesOneResult) {
  Session capped = container().session({.max_output = 10});
  auto r = capped.send_and_wait("head -c 100 /dev/zero | tr '\\0' a");
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.out, std::string(10, 'a'));
  auto next = capped.send_and_wait("echo ok");
  EXPECT_FALSE(next.truncated);
  EXPECT_EQ(next.out, "ok\n");
}

TEST_F(SessionTest, EnvAndWorkdirOptions) {
  Session s = container().session({.env = {{"SESSION_OPT", "v1"}}, .workdir = "/tmp"});
  EXPECT_EQ(s.send_and_wait("echo $SESSION_OPT; pwd").out, "v1\n/tmp\n");
}

TEST_F(SessionTest, MovedSessionKeepsWorking) {
  Session a = container().session();
  EXPECT_TRUE(a.send_and_wait("x=moved").ok());
  Session b = std::move(a);
  EXPECT_EQ(b.send_and_wait("echo $x").out, "moved\n");
  EXPECT_THROW((void)a.send_and_wait("true"), SessionClosed);  // NOLINT(bugprone-use-after-move)
}

TEST_F(SessionTest, UnknownShellFailsClearly) {
  EXPECT_THROW((void)container().session({.shell = "no-such-shell-xyz"}), SessionClosed);
}

// The POSIX dialect (busybox ash) used where an image has no bash.
class SessionShTest : public pdtest::SharedContainerTest {};

TEST_F(SessionShTest, ProtocolWorksInPlainSh) {
  Session s = container().session({.shell = "sh"});
  EXPECT_EQ(s.send_and_wait("echo ${BASH_VERSION:-none}").out, "none\n");
  EXPECT_EQ(s.send_and_wait("printf abc").out, "abc");
  EXPECT_EQ(s.send_and_wait("echo err >&2").err, "err\n");
  EXPECT_TRUE(s.send_and_wait("cd /tmp; export V=1; f() { echo f$V; }").ok());
  EXPECT_EQ(s.send_and_wait("pwd; f").out, "/tmp\nf1\n");
  EXPECT_EQ(s.send_and_wait("false").exit_code, 1);
  EXPECT_EQ(s.send_and_wait("cat").exit_code, 0);
  EXPECT_EQ(s.send_and_wait("").exit_code, 0);
  EXPECT_EQ(s.send_and_wait("cat <<EOF\n}\nEOF").out, "}\n");
  auto r = s.send_and_wait("sleep 30", 500ms);
  EXPECT_TRUE(r.timed_out);
  auto t0 = SteadyClock::now();
  EXPECT_EQ(s.send_and_wait("echo ok").out, "ok\n");
  EXPECT_LT(ms_since(t0), 2000.0);
  EXPECT_THAT(pdtest::ps_output(container()), Not(HasSubstr("sleep 30")));
  for (int i = 0; i < 200; ++i) ASSERT_EQ(s.send_and_wait(i % 2 ? "false" : "true").exit_code, i % 2);
}

// Sessions and the container lifecycle.
TEST(SessionLifecycle, ShutdownWithAnOpenSessionDoesNotHang) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  Session s = c.session();
  EXPECT_EQ(s.send_and_wait("echo hi").out, "hi\n");
  s.send("sleep 1000");
  auto t0 = SteadyClock::now();
  EXPECT_NO_THROW(c.shutdown());
  EXPECT_LT(ms_since(t0), 15000.0);
  EXPECT_FALSE(s.is_open());
  EXPECT_THROW((void)s.send_and_wait("echo hi"), SessionClosed);
  s.close();
}

TEST(SessionLifecycle, ShutdownWhileACommandIsWaited) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  Session s = c.session();
  std::thread waiter([&] { EXPECT_THROW((void)s.send_and_wait("sleep 1000", 60s), SessionClosed); });
  std::this_thread::sleep_for(300ms);
  auto t0 = SteadyClock::now();
  c.shutdown();
  waiter.join();
  EXPECT_LT(ms_since(t0), 15000.0);
}

TEST(SessionLifecycle, SessionOfAShutDownContainerThrows) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  c.shutdown();
  EXPECT_THROW((void)c.session(), pocketdock::ContainerNotRunning);
}

// Round trip of the smallest command: sessions are the fast path for many small commands.
TEST(SessionLatency, TrueRoundTrip) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  Session s = c.session();
  for (int i = 0; i < 50; ++i) (void)s.send_and_wait("true");  // warm up
  std::vector<double> samples;
  samples.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    auto t0 = SteadyClock::now();
    auto r = s.send_and_wait("true");
    samples.push_back(ms_since(t0));
    ASSERT_EQ(r.exit_code, 0);
  }
  std::sort(samples.begin(), samples.end());
  double p50 = samples[500];
  double p99 = samples[990];
  std::printf("[ SESSION  ] %s send_and_wait(\"true\") n=1000 p50=%.3f ms p99=%.3f ms max=%.3f ms\n",
              pdtest::engine_kind().c_str(), p50, p99, samples.back());
  RecordProperty("p50_us", static_cast<int>(p50 * 1000));
  RecordProperty("p99_us", static_cast<int>(p99 * 1000));
  EXPECT_LT(p50, 5.0);  // the target is 1 ms; this only catches a protocol that waits or sleeps
}

}  // namespace
