// The session protocol: marker scanning in arbitrary splits, forged markers, scripts.
#include "session_protocol.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using pocketdock::detail::MarkerScanner;
using pocketdock::detail::ShellDialect;

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
  std::string bash = pocketdock::detail::wrap_command(cmd, kNonce, kOther, ShellDialect::bash);
  EXPECT_NE(bash.find("<<'__PD_" + kNonce + "'\n" + cmd + "\n__PD_" + kNonce + "\n"), std::string::npos);
  EXPECT_NE(bash.find("eval \"$__pd_cmd\" </dev/null"), std::string::npos);
  EXPECT_NE(bash.find("POCKETDOCK_SESSION_CMD=" + kOther), std::string::npos);
  std::string posix = pocketdock::detail::wrap_command(cmd, kNonce, kOther, ShellDialect::posix);
  EXPECT_NE(posix.find("{\n" + cmd + "\n} </dev/null"), std::string::npos);
  EXPECT_EQ(posix.back(), '\n');
  // A blank command would make `{ }` a syntax error.
  EXPECT_NE(pocketdock::detail::wrap_command("  # note\n", kNonce, kOther, ShellDialect::posix).find("{\n:\n}"),
            std::string::npos);
  EXPECT_NE(pocketdock::detail::wrap_send("", kNonce, ShellDialect::posix).find("{\n:\n}"), std::string::npos);
}

}  // namespace
