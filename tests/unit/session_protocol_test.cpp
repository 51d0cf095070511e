// The session protocol: marker scanning in arbitrary splits, forged markers, scripts.
#include "session_protocol.hpp"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using pocketdock::detail::bash_prelude;
using pocketdock::detail::MarkerScanner;
using pocketdock::detail::ShellDialect;
using pocketdock::detail::wrap_command;
using pocketdock::detail::wrap_send;
using ::testing::HasSubstr;

namespace {

const std::string kNonce(32, 'a');
const std::string kOther = "0123456789abcdef0123456789abcdef";

std::string start_marker(const std::string& n) { return "\x1ePDS" + n + "\x1e"; }
std::string end_marker(const std::string& n, int code) { return "\x1ePDE" + n + " " + std::to_string(code) + "\x1e"; }
std::string end_marker(const std::string& n) { return "\x1ePDE" + n + "\x1e"; }

// Feeds `pieces` and renders events as text: output verbatim, markers as <S:n>, <E:n:code>.
std::string render(MarkerScanner& sc, const std::vector<std::string>& pieces, bool finish = true) {
  std::string out;
  auto sink = [&](const MarkerScanner::Event& e) {
    switch (e.kind) {
      case MarkerScanner::Kind::output: out.append(e.data); break;
      case MarkerScanner::Kind::start: out += "<S:" + e.nonce.substr(0, 2) + ">"; break;
      case MarkerScanner::Kind::end:
        out += "<E:" + e.nonce.substr(0, 2) + (e.exit_code ? ":" + std::to_string(*e.exit_code) : "") + ">";
        break;
    }
  };
  for (const auto& p : pieces) sc.feed(p, sink);
  if (finish) sc.finish(sink);
  return out;
}

TEST(SessionProtocol, FindsMarkersAroundOutputWithoutNewline) {
  MarkerScanner sc;
  sc.expect(kNonce);
  std::string stream = "before" + start_marker(kNonce) + "abc" + end_marker(kNonce, 7) + "after";
  EXPECT_EQ(render(sc, {stream}), "before<S:aa>abc<E:aa:7>after");
}

TEST(SessionProtocol, EndMarkerWithoutExitCode) {
  MarkerScanner sc;
  sc.expect(kNonce);
  EXPECT_EQ(render(sc, {start_marker(kNonce) + "err\n" + end_marker(kNonce)}), "<S:aa>err\n<E:aa>");
}

TEST(SessionProtocol, MarkersSplitAtEveryOffset) {
  std::string stream = "x\x1ey" + start_marker(kNonce) + "out\x1e" + end_marker(kNonce, 255) + start_marker(kOther) +
                       end_marker(kOther, 1) + "tail\x1e";
  const std::string expected =
      "x\x1ey<S:aa>out\x1e<E:aa:255>" + start_marker(kOther) + end_marker(kOther, 1) + "tail\x1e";
  for (std::size_t i = 0; i <= stream.size(); ++i) {
    for (std::size_t j = i; j <= stream.size(); j += 7) {
      MarkerScanner sc;
      sc.expect(kNonce);
      EXPECT_EQ(render(sc, {stream.substr(0, i), stream.substr(i, j - i), stream.substr(j)}), expected)
          << i << "," << j;
    }
  }
}

TEST(SessionProtocol, ByteByByte) {
  MarkerScanner sc;
  sc.expect(kNonce);
  std::string stream = "a" + start_marker(kNonce) + "b" + end_marker(kNonce, 0) + "c";
  std::vector<std::string> pieces;
  for (char c : stream) pieces.emplace_back(1, c);
  EXPECT_EQ(render(sc, pieces), "a<S:aa>b<E:aa:0>c");
}

TEST(SessionProtocol, ForgedMarkersAreOutput) {
  MarkerScanner sc;
  sc.expect(kNonce);
  std::vector<std::string> forged = {
      start_marker(kOther),
      end_marker(kOther, 0),
      "\x1ePDE" + kNonce.substr(0, 31) + "b 0\x1e",  // differs in the last digit
      "\x1ePDX" + kNonce + "\x1e",                   // unknown kind
      "\x1ePDS" + kNonce + "junk",                   // no terminator
      "\x1ePDE" + kNonce + " 12345\x1e",             // exit status out of range
      "\x1ePDE" + kNonce + " \x1e",                  // no digits
      "__PD_" + kNonce + "_0__\n",                   // the reference's sentinel
  };
  for (const auto& f : forged) {
    MarkerScanner fresh;
    fresh.expect(kNonce);
    EXPECT_EQ(render(fresh, {f}), f);
  }
}

TEST(SessionProtocol, ForgottenNonceIsOutputAgain) {
  MarkerScanner sc;
  sc.expect(kNonce);
  sc.forget(kNonce);
  EXPECT_FALSE(sc.expects(kNonce));
  EXPECT_EQ(render(sc, {end_marker(kNonce, 0)}), end_marker(kNonce, 0));
}

TEST(SessionProtocol, SeveralExpectedNonces) {
  MarkerScanner sc;
  sc.expect(kNonce);
  sc.expect(kOther);
  std::string stream = end_marker(kNonce, 137) + "late" + start_marker(kOther) + "ok\n" + end_marker(kOther, 0);
  EXPECT_EQ(render(sc, {stream}), "<E:aa:137>late<S:01>ok\n<E:01:0>");
}

TEST(SessionProtocol, HoldsBackOnlyAPossibleMarker) {
  MarkerScanner sc;
  sc.expect(kNonce);
  std::string got = render(sc, {"abc\x1ePDS" + kNonce.substr(0, 10)}, false);
  EXPECT_EQ(got, "abc");
  EXPECT_EQ(sc.held_bytes(), 14U);
  // A partial marker that cannot become an expected one is released at once.
  MarkerScanner other;
  other.expect(kNonce);
  EXPECT_EQ(render(other, {"abc\x1ePDSb"}, false), "abc\x1ePDSb");
  EXPECT_EQ(other.held_bytes(), 0U);
  // At end of stream what was held back is output.
  EXPECT_EQ(render(sc, {}), "\x1ePDS" + kNonce.substr(0, 10));
}

TEST(SessionProtocol, LargeOutputPassesThrough) {
  MarkerScanner sc;
  sc.expect(kNonce);
  std::string big(1 << 20, '\x1e');
  std::size_t total = 0;
  sc.feed(big, [&](const MarkerScanner::Event& e) { total += e.data.size(); });
  sc.finish([&](const MarkerScanner::Event& e) { total += e.data.size(); });
  EXPECT_EQ(total, big.size());
}

TEST(SessionProtocol, ScriptsCarryTheCommandVerbatim) {
  std::string cmd = "echo \"it's $(echo a)\" <<'EOF'\n}\nEOF";
  // bash: a short line, then the nonce, the kill token and the command as a payload of N bytes.
  std::string bash = wrap_command(cmd, kNonce, kOther, ShellDialect::bash);
  std::string payload = kNonce + kOther + cmd;
  std::string line = bash.substr(0, bash.find('\n') + 1);
  EXPECT_EQ(line, "__pd_b " + std::to_string(payload.size()) + ";builtin eval \"$__pd_c\" </dev/null;__pd_e\n");
  EXPECT_LT(line.size(), 64U);
  EXPECT_EQ(bash.substr(line.size()), payload);
  std::string sent = wrap_send(cmd, ShellDialect::bash);
  EXPECT_EQ(sent, "__pd_r " + std::to_string(cmd.size()) + ";builtin eval \"$__pd_c\" </dev/null\n" + cmd);
  std::string posix = wrap_command(cmd, kNonce, kOther, ShellDialect::posix);
  EXPECT_NE(posix.find("{\n" + cmd + "\n} </dev/null"), std::string::npos);
  EXPECT_NE(posix.find("POCKETDOCK_SESSION_CMD=" + kOther), std::string::npos);
  EXPECT_EQ(posix.back(), '\n');
  // A blank command would make `{ }` a syntax error.
  EXPECT_NE(wrap_command("  # note\n", kNonce, kOther, ShellDialect::posix).find("{\n:\n}"), std::string::npos);
  EXPECT_NE(wrap_send("", ShellDialect::posix).find("{\n:\n}"), std::string::npos);
}

// The bash dialect run by the host's bash, reading the script from a pipe as a session's shell
// does, in a UTF-8 locale (where `read -N` would count characters, not bytes, without LC_ALL=C).
struct Result {
  std::string out;
  std::string err;
  std::optional<int> exit_code;
  int starts = 0;  ///< start markers seen, on both streams
  int ends = 0;    ///< end markers seen, on both streams
};

class HostBash : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access("/bin/bash", X_OK) != 0) GTEST_SKIP() << "no /bin/bash on this host";
  }

  // Appends a send_and_wait command; returns the nonce that names its result.
  std::string waited(std::string_view command) {
    ++count_;
    std::string nonce = fmt::format("{:032x}", count_);
    script_ += wrap_command(command, nonce, token(count_), ShellDialect::bash);
    nonces_.push_back(nonce);
    return nonce;
  }
  void send(std::string_view command) { script_ += wrap_send(command, ShellDialect::bash); }
  static std::string token(int i) { return fmt::format("{:032x}", 0xabc000 + i); }

  // Runs the prelude and the commands; fills results_ and outside_ (output of sent commands).
  void run() {
    std::array<char, 20> dir_name{};
    std::snprintf(dir_name.data(), dir_name.size(), "/tmp/pdbash-XXXXXX");
    ASSERT_NE(::mkdtemp(dir_name.data()), nullptr);
    std::string dir = dir_name.data();
    std::string shell = fmt::format("env -i PATH=/usr/bin:/bin LC_ALL=C.UTF-8 /bin/bash >{0}/out 2>{0}/err", dir);
    FILE* pipe = ::popen(shell.c_str(), "w");
    ASSERT_NE(pipe, nullptr);
    std::string all = bash_prelude() + script_;
    EXPECT_EQ(std::fwrite(all.data(), 1, all.size(), pipe), all.size());
    status_ = ::pclose(pipe);
    std::array<std::string, 2> streams{slurp(dir + "/out"), slurp(dir + "/err")};
    (void)std::system(("rm -rf " + dir).c_str());
    for (std::size_t s = 0; s < 2; ++s) {
      MarkerScanner sc;
      for (const auto& n : nonces_) sc.expect(n);
      std::string inside;
      auto sink = [&](const MarkerScanner::Event& e) {
        switch (e.kind) {
          case MarkerScanner::Kind::output: {
            std::string& to = inside.empty() ? outside_[s] : (s == 0 ? results_[inside].out : results_[inside].err);
            to.append(e.data);
            break;
          }
          case MarkerScanner::Kind::start:
            inside = e.nonce;
            ++results_[e.nonce].starts;
            break;
          case MarkerScanner::Kind::end:
            inside.clear();
            ++results_[e.nonce].ends;
            if (e.exit_code) results_[e.nonce].exit_code = e.exit_code;
            break;
        }
      };
      sc.feed(streams[s], sink);
      sc.finish(sink);
    }
  }

  // The result of a waited command, which must have both of its markers on both streams.
  const Result& result(const std::string& nonce) {
    const Result& r = results_[nonce];
    EXPECT_EQ(r.starts, 2) << "command " << nonce;
    EXPECT_EQ(r.ends, 2) << "command " << nonce;
    EXPECT_TRUE(r.exit_code.has_value()) << "command " << nonce;
    return r;
  }

  struct Expected {
    std::string command;
    std::string out;
    int exit_code = 0;
    std::string err_part;  ///< stderr must contain it; empty: stderr must be empty
  };

  // Runs `cases` as send_and_wait commands, one after another, and checks each one's result.
  void expect_results(const std::vector<Expected>& cases) {
    std::vector<std::string> nonces;
    for (const auto& c : cases) nonces.push_back(waited(c.command));
    run();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Result& r = result(nonces[i]);
      EXPECT_EQ(r.out, cases[i].out) << cases[i].command;
      EXPECT_EQ(r.exit_code, cases[i].exit_code) << cases[i].command;
      if (cases[i].err_part.empty()) {
        EXPECT_EQ(r.err, "") << cases[i].command;
      } else {
        EXPECT_THAT(r.err, HasSubstr(cases[i].err_part)) << cases[i].command;
      }
    }
    EXPECT_EQ(outside_[0], "");
    EXPECT_EQ(outside_[1], "");
    EXPECT_EQ(status_, 0);
  }

  static std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string script_;
  std::vector<std::string> nonces_;
  int count_ = 0;
  std::map<std::string, Result> results_;
  std::array<std::string, 2> outside_;
  int status_ = -1;
};

TEST_F(HostBash, MultiByteCommandTextIsCountedInBytes) {
  expect_results({
      {"x='\xc3\xa9'; echo ${#x}", "1\n"},  // 1 character: the shell's locale is UTF-8
      {"printf '%s\\n' 'h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80'", "h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\n"},
      {"printf '%s' '\xff\xc3(\xe2\x9c'", "\xff\xc3(\xe2\x9c"},  // not UTF-8 at all, ends mid-character
      {"echo next", "next\n"},
  });
}

TEST_F(HostBash, OutputWithoutTrailingNewlineAndCommentsAreKept) {
  expect_results({
      {"printf abc; printf e >&2", "abc", 0, "e"},
      {"echo x # a comment that must not swallow the protocol", "x\n"},
      {"", ""},
      {"for i in 1 2; do\n  printf $i\ndone\n", "12"},
  });
}

TEST_F(HostBash, SendBetweenWaitedCommands) {
  auto set = waited("x=1; cd /tmp");
  send("x=2; echo sent; echo \"[${POCKETDOCK_SESSION_CMD-unset}]\" >&2");
  auto get = waited("echo \"$x $PWD $POCKETDOCK_SESSION_CMD\"");
  run();
  EXPECT_EQ(result(set).exit_code, 0);
  EXPECT_EQ(outside_[0], "sent\n");
  EXPECT_EQ(outside_[1], "[unset]\n");
  EXPECT_EQ(result(get).out, "2 /tmp " + token(2) + "\n");
}

TEST_F(HostBash, KillTokenIsInTheCommandsEnvironmentAndStdinIsNull) {
  expect_results({
      {"env | grep ^POCKETDOCK_SESSION_CMD=", "POCKETDOCK_SESSION_CMD=" + token(1) + "\n"},
      {"cat; read line; echo \"rc=$? [$line]\"", "rc=1 []\n"},
      {"(exit 42)", "", 42},
  });
}

TEST_F(HostBash, CommandsRunAtTheTopLevel) {
  // As at the top level of a non-interactive bash: return, break and local fail and the list goes on.
  expect_results({
      {"return 3; echo after-return", "after-return\n", 0, "can only `return' from a function"},
      {"break; echo after-break", "after-break\n", 0, "only meaningful in a"},
      {"local v=1; echo \"[$v]\"", "[]\n", 0, "can only be used in a function"},
      {"f() { local v=inner; return 4; }; v=outer; f; echo \"$? $v\"", "4 outer\n"},
      {"for i in 1 2 3; do [ $i = 2 ] && break; echo $i; done", "1\n"},
      {"echo $v", "outer\n"},
  });
}

TEST_F(HostBash, UserFunctionsNamedLikeBuiltinsDoNotBreakTheProtocol) {
  auto define = waited(
      "read() { echo fake-read; }; printf() { echo fake-printf; }; eval() { echo fake-eval; }\n"
      "export() { echo fake-export; }; unset() { echo fake-unset; }; local() { echo fake-local; }");
  auto use = waited("printf x; read; echo ok");
  send("echo sent");
  auto after = waited("echo \"[$POCKETDOCK_SESSION_CMD]\"");
  run();
  EXPECT_EQ(result(define).exit_code, 0);
  EXPECT_EQ(result(use).out, "fake-printf\nfake-read\nok\n");
  EXPECT_EQ(outside_[0], "sent\n");
  EXPECT_EQ(result(after).out, "[" + token(3) + "]\n");
}

TEST_F(HostBash, SyntaxErrorIsContained) {
  expect_results({
      {"echo \"unterminated", "", 2, "unexpected EOF"},
      {"fi", "", 2, "syntax error"},
      {"echo still", "still\n"},
  });
}

TEST_F(HostBash, ForgedMarkersAndLargeCommandsAreOutput) {
  expect_results({
      {"printf '\\036PDE" + kOther + " 0\\036'; printf '\\036PDS" + kOther + "\\036' >&2",
       "\x1ePDE" + kOther + " 0\x1e", 0, "\x1ePDS" + kOther + "\x1e"},
      {"x=" + std::string(200000, 'a') + "\necho ${#x}", "200000\n"},
  });
}

}  // namespace
