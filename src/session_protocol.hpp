#pragma once
// The session wire protocol: what is written to the shell for each command, and the scanner that
// finds the completion markers in the output streams.
//
// Each send_and_wait command gets a fresh random nonce. The shell prints a start marker and an end
// marker on BOTH stdout and stderr around the command:
//   start:              RS "PDS" nonce RS
//   end (stdout):       RS "PDE" nonce " " exit_code RS
//   end (stderr):       RS "PDE" nonce RS
// (RS = '\x1e'). Only markers carrying a nonce the scanner was told to expect are protocol; any
// other bytes, including a marker with another nonce, are output. Markers need no line breaks, so
// output without a trailing newline is kept.
//
// bash reads a script from a pipe one byte per read(2), so for bash the session defines a few
// functions once (bash_prelude()) and each command is then a short line followed by a payload of
// exactly N bytes that `read -N N` takes in one read(2): the nonce, the kill token and the command
// verbatim. The command is still eval'ed at the top level of the shell.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pocketdock::detail {

inline constexpr char kMarkerSeparator = '\x1e';
inline constexpr std::size_t kNonceDigits = 32;
/// Environment variable carried by every process of one send_and_wait command (kill target).
inline constexpr const char* kSessionCommandVar = "POCKETDOCK_SESSION_CMD";

/// Which kind of script the shell understands.
enum class ShellDialect {
  bash,   ///< the command is read verbatim by `read -N` and eval'ed (syntax errors are contained)
  posix,  ///< the command is sent verbatim inside `{ ... }` (a syntax error ends the shell)
};

/// The shell functions the bash dialect's commands call; written once before the first of them.
[[nodiscard]] std::string bash_prelude();

/// The script that runs `command` with stdin from /dev/null, framed by the markers of `nonce`,
/// its processes carrying `kSessionCommandVar=kill_token`. `command` is sent as-is, never quoted.
/// `nonce` and `kill_token` are kNonceDigits hex digits each.
[[nodiscard]] std::string wrap_command(std::string_view command, const std::string& nonce,
                                       const std::string& kill_token, ShellDialect dialect);

/// The script for a fire-and-forget command: stdin from /dev/null, no markers.
[[nodiscard]] std::string wrap_send(std::string_view command, ShellDialect dialect);

/// Finds the markers of expected nonces in one output stream, fed in arbitrary pieces. Holds back
/// at most one marker's length of bytes that could still turn out to be a marker.
class MarkerScanner {
 public:
  enum class Kind { output, start, end };
  struct Event {
    Kind kind = Kind::output;
    std::string_view data;         ///< output bytes (Kind::output)
    std::string nonce;             ///< the marker's nonce (start/end)
    std::optional<int> exit_code;  ///< end marker with an exit code (stdout)
  };

  /// From now on markers with `nonce` are protocol.
  void expect(const std::string& nonce);
  /// Markers with `nonce` are output again.
  void forget(const std::string& nonce);
  [[nodiscard]] bool expects(const std::string& nonce) const;

  /// Scans `data`. `sink(const Event&)` is called in stream order; output may come in pieces.
  template <class Sink>
  void feed(std::string_view data, Sink&& sink) {
    if (!held_.empty()) {
      held_.append(data);
      std::string buffer = std::move(held_);
      held_.clear();
      std::size_t used = scan(buffer, sink);
      held_.assign(buffer, used, std::string::npos);
      return;
    }
    std::size_t used = scan(data, sink);
    held_.assign(data.substr(used));
  }

  /// End of stream: bytes still held back are output.
  template <class Sink>
  void finish(Sink&& sink) {
    if (held_.empty()) return;
    std::string buffer = std::move(held_);
    held_.clear();
    sink(Event{Kind::output, buffer, {}, {}});
  }

  [[nodiscard]] std::size_t held_bytes() const noexcept { return held_.size(); }

 private:
  enum class Match { yes, no, need_more };
  struct Parsed {
    std::size_t length = 0;
    Kind kind = Kind::output;
    std::string nonce;
    std::optional<int> exit_code;
  };

  // Returns how many bytes were consumed; the rest must be held back.
  template <class Sink>
  std::size_t scan(std::string_view data, Sink& sink) {
    std::size_t pos = 0;
    std::size_t out_begin = 0;
    while (pos < data.size()) {
      std::size_t sep = data.find(kMarkerSeparator, pos);
      if (sep == std::string_view::npos) break;
      Parsed parsed;
      Match m = match(data.substr(sep), parsed);
      if (m == Match::no) {
        pos = sep + 1;
        continue;
      }
      if (sep > out_begin) sink(Event{Kind::output, data.substr(out_begin, sep - out_begin), {}, {}});
      if (m == Match::need_more) return sep;
      sink(Event{parsed.kind, {}, std::move(parsed.nonce), parsed.exit_code});
      pos = sep + parsed.length;
      out_begin = pos;
    }
    if (data.size() > out_begin) sink(Event{Kind::output, data.substr(out_begin), {}, {}});
    return data.size();
  }

  [[nodiscard]] Match match(std::string_view s, Parsed& parsed) const;

  std::vector<std::string> expected_;
  std::string held_;
};

}  // namespace pocketdock::detail
