#include "session_protocol.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pocketdock::detail {
namespace {

bool is_blank_script(std::string_view command) {
  // Only blank lines and comments: `{ }` around it would be a syntax error.
  std::size_t pos = 0;
  while (pos <= command.size()) {
    std::size_t end = command.find('\n', pos);
    std::string_view line = command.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    std::size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && line[first] != '#') return false;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  return true;
}

std::string braced(std::string_view command) {
  std::string s = "{\n";
  if (is_blank_script(command)) {
    s.append(":\n");
  } else {
    s.append(command);
    if (command.back() != '\n') s.push_back('\n');
  }
  s.append("} </dev/null");
  return s;
}

}  // namespace

// The bash dialect's functions. __pd_r reads the payload: its byte count in one read(2) (LC_ALL=C
// makes -N count bytes in any locale), nothing from a payload cut short by EOF. __pd_b starts a
// command, __pd_e ends it with the status eval left in $?. Builtins are called as such, so user
// functions named read, printf, export... do not get in the way.
std::string bash_prelude() {
  return fmt::format(
      "__pd_r() {{ LC_ALL=C IFS= builtin read -r -N \"$1\" __pd_c || __pd_c=; }}\n"
      "__pd_b() {{ __pd_r \"$1\"; __pd_n=${{__pd_c:0:{0}}}; builtin export {1}=\"${{__pd_c:{0}:{0}}}\"; "
      "__pd_c=${{__pd_c:{2}}}; builtin printf '\\036PDS%s\\036' \"$__pd_n\"; "
      "builtin printf '\\036PDS%s\\036' \"$__pd_n\" >&2; }}\n"
      "__pd_e() {{ builtin local __pd_x=$?; builtin unset {1} __pd_c; "
      "builtin printf '\\036PDE%s %d\\036' \"$__pd_n\" \"$__pd_x\"; "
      "builtin printf '\\036PDE%s\\036' \"$__pd_n\" >&2; }}\n",
      kNonceDigits, kSessionCommandVar, 2 * kNonceDigits);
}

std::string wrap_command(std::string_view command, const std::string& nonce, const std::string& kill_token,
                         ShellDialect dialect) {
  if (dialect == ShellDialect::bash) {
    std::string s = fmt::format("__pd_b {};builtin eval \"$__pd_c\" </dev/null;__pd_e\n",
                                nonce.size() + kill_token.size() + command.size());
    s.append(nonce).append(kill_token).append(command);
    return s;
  }
  std::string begin = fmt::format("export {}={}; printf '\\036PDS{}\\036'; printf '\\036PDS{}\\036' >&2; ",
                                  kSessionCommandVar, kill_token, nonce, nonce);
  std::string end = fmt::format(
      "; __pd_rc=$?; unset {} __pd_cmd; printf '\\036PDE{} %d\\036' \"$__pd_rc\"; printf '\\036PDE{}\\036' >&2\n",
      kSessionCommandVar, nonce, nonce);
  return begin + braced(command) + end;
}

std::string wrap_send(std::string_view command, ShellDialect dialect) {
  if (dialect == ShellDialect::bash) {
    std::string s = fmt::format("__pd_r {};builtin eval \"$__pd_c\" </dev/null\n", command.size());
    s.append(command);
    return s;
  }
  return braced(command) + "\n";
}

void MarkerScanner::expect(const std::string& nonce) {
  if (!expects(nonce)) expected_.push_back(nonce);
}

void MarkerScanner::forget(const std::string& nonce) { std::erase(expected_, nonce); }

bool MarkerScanner::expects(const std::string& nonce) const {
  return std::find(expected_.begin(), expected_.end(), nonce) != expected_.end();
}

MarkerScanner::Match MarkerScanner::match(std::string_view s, Parsed& parsed) const {
  // s starts with the separator.
  static constexpr std::string_view kPrefix = "\x1ePD";
  std::size_t n = std::min(s.size(), kPrefix.size());
  if (s.substr(0, n) != kPrefix.substr(0, n)) return Match::no;
  if (s.size() <= kPrefix.size()) return Match::need_more;
  char kind = s[kPrefix.size()];
  if (kind != 'S' && kind != 'E') return Match::no;
  std::string_view digits = s.substr(kPrefix.size() + 1, kNonceDigits);
  bool any = false;
  for (const auto& e : expected_) {
    if (e.compare(0, digits.size(), digits) == 0) {
      any = true;
      break;
    }
  }
  if (!any) return Match::no;
  if (digits.size() < kNonceDigits) return Match::need_more;
  std::size_t pos = kPrefix.size() + 1 + kNonceDigits;
  std::optional<int> exit_code;
  if (pos >= s.size()) return Match::need_more;
  if (kind == 'E' && s[pos] == ' ') {
    ++pos;
    int value = 0;
    std::size_t count = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++count > 3) return Match::no;  // exit statuses are 0-255
      value = value * 10 + (s[pos] - '0');
      ++pos;
    }
    if (pos >= s.size()) return Match::need_more;
    if (count == 0) return Match::no;
    exit_code = value;
  }
  if (s[pos] != kMarkerSeparator) return Match::no;
  parsed.length = pos + 1;
  parsed.kind = kind == 'S' ? Kind::start : Kind::end;
  parsed.nonce.assign(digits);
  parsed.exit_code = exit_code;
  return Match::yes;
}

}  // namespace pocketdock::detail
