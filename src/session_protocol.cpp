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

// The command verbatim in a quoted here-document, read into __pd_cmd by a builtin (no fork).
std::string heredoc_read(std::string_view command, const std::string& nonce) {
  std::string delimiter = "__PD_" + nonce;
  std::string s = fmt::format("IFS= read -r -d '' __pd_cmd <<'{}'\n", delimiter);
  s.append(command);
  if (command.empty() || command.back() != '\n') s.push_back('\n');
  s.append(delimiter).push_back('\n');
  return s;
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

std::string wrap_command(std::string_view command, const std::string& nonce, const std::string& kill_token,
                         ShellDialect dialect) {
  std::string begin = fmt::format("export {}={}; printf '\\036PDS{}\\036'; printf '\\036PDS{}\\036' >&2; ",
                                  kSessionCommandVar, kill_token, nonce, nonce);
  std::string end = fmt::format(
      "; __pd_rc=$?; unset {} __pd_cmd; printf '\\036PDE{} %d\\036' \"$__pd_rc\"; printf '\\036PDE{}\\036' >&2\n",
      kSessionCommandVar, nonce, nonce);
  if (dialect == ShellDialect::bash) {
    return heredoc_read(command, nonce) + begin + "eval \"$__pd_cmd\" </dev/null" + end;
  }
  return begin + braced(command) + end;
}

std::string wrap_send(std::string_view command, const std::string& nonce, ShellDialect dialect) {
  if (dialect == ShellDialect::bash) return heredoc_read(command, nonce) + "eval \"$__pd_cmd\" </dev/null\n";
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
