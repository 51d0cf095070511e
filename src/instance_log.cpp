// Run, session and detach logs and history.jsonl of an instance directory (reference formats).
#include "projects_internal.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>

namespace fs = std::filesystem;

namespace pocketdock::detail {
namespace {

fs::path logs_dir(const std::string& data_path) {
  fs::path dir = fs::path(data_path) / "logs";
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

// Decodes one UTF-8 code point at `i`; invalid bytes give U+FFFD (as Python's replace decoding).
char32_t next_code_point(std::string_view s, std::size_t& i) {
  auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1FU) : len == 3 ? (b & 0x0FU) : (b & 0x07U);
  for (int k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((c >> 6) != 0x2) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (c & 0x3FU);
  }
  i += static_cast<std::size_t>(len);
  return cp;
}

const char* py_bool(bool b) { return b ? "True" : "False"; }

}  // namespace

std::string safe_timestamp(std::string_view iso) {
  std::string out(iso);
  for (char& c : out) {
    if (c == ':') c = '-';
    if (c == '+') c = 'p';
  }
  return out;
}

std::string python_json_string(std::string_view text) {
  std::string out = "\"";
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = next_code_point(text, i);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (cp >= 0x20 && cp < 0x7F) {
      out.push_back(static_cast<char>(cp));
    } else if (cp >= 0x10000) {
      char32_t v = cp - 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF));
    } else {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
    }
  }
  out += '"';
  return out;
}

std::string python_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Infinity" : "-Infinity";
  std::string s = fmt::format("{}", value);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string history_line(const std::string& command, const ExecResult& result, const std::string& timestamp) {
  double ms = std::round(result.duration_ms() * 10.0) / 10.0;
  return fmt::format(
      R"({{"type": "run", "command": {}, "exit_code": {}, "duration_ms": {}, "timed_out": {}, "timestamp": {}}})",
      python_json_string(command), result.exit_code, python_float(ms), result.timed_out ? "true" : "false",
      python_json_string(timestamp));
}

std::string run_log_text(const std::string& command, const ExecResult& result) {
  std::string text = fmt::format("# command: {}\n# exit_code: {}\n# duration_ms: {:.1f}\n# timed_out: {}\n", command,
                                 result.exit_code, result.duration_ms(), py_bool(result.timed_out));
  if (!result.out.empty()) text += "\n--- stdout ---\n" + result.out;
  if (!result.err.empty()) text += "\n--- stderr ---\n" + result.err;
  return text;
}

void log_run(const std::string& data_path, const std::string& command, const ExecResult& result,
             const std::string& started_at) noexcept {
  if (data_path.empty()) return;
  try {
    fs::path dir = logs_dir(data_path);
    {
      std::ofstream run(dir / fmt::format("run-{}.log", safe_timestamp(started_at)),
                        std::ios::binary | std::ios::trunc);
      run << run_log_text(command, result);
    }
    std::ofstream history(dir / "history.jsonl", std::ios::binary | std::ios::app);
    history << history_line(command, result, started_at) << '\n';
  } catch (...) {
    // Logging never fails a run.
  }
}

template <typename MakeText>
void InstanceLogFile::append_with(MakeText&& text) noexcept {
  try {
    std::lock_guard lock(shared_->mutex);
    if (shared_->failed) return;
    shared_->failed = true;  // until the write below is known to have worked
    std::string data = text();
    std::ofstream out(path_, std::ios::binary | std::ios::app);
    if (!out) return;
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.flush();
    if (out) shared_->failed = false;
  } catch (...) {
    // Logging never fails the session or process it records.
  }
}

std::optional<InstanceLogFile> InstanceLogFile::open_session(const std::string& data_path,
                                                             const std::string& session_id) noexcept {
  if (data_path.empty()) return std::nullopt;
  try {
    InstanceLogFile f(logs_dir(data_path) / fmt::format("session-{}.log", safe_timestamp(iso_now())));
    f.append_with([&] { return fmt::format("# session_id: {}\n\n", session_id); });
    if (f.ok()) return f;
  } catch (...) {
    // No log: the session works without one.
  }
  return std::nullopt;
}

std::optional<InstanceLogFile> InstanceLogFile::open_detach(const std::string& data_path,
                                                            const std::string& command) noexcept {
  if (data_path.empty()) return std::nullopt;
  try {
    InstanceLogFile f(logs_dir(data_path) / fmt::format("detach-{}.log", safe_timestamp(iso_now())));
    f.append_with([&] { return fmt::format("# command: {}\n\n", command); });
    if (f.ok()) return f;
  } catch (...) {
    // No log: the process works without one.
  }
  return std::nullopt;
}

bool InstanceLogFile::ok() const noexcept {
  std::lock_guard lock(shared_->mutex);
  return !shared_->failed;
}

void InstanceLogFile::session_send(std::string_view command) noexcept {
  append_with([&] { return fmt::format("[{}] >>> {}\n", iso_now(), command); });
}

void InstanceLogFile::raw(std::string_view data) noexcept {
  append_with([&] { return std::string(data); });
}

void InstanceLogFile::detach_output(OutputStream stream, std::string_view data) noexcept {
  append_with([&] { return fmt::format("[{}] [{}] {}", iso_now(), to_string(stream), data); });
}

void InstanceLogFile::detach_exit(int exit_code, double duration_ms) noexcept {
  append_with([&] { return fmt::format("\n# exit_code: {}\n# duration_ms: {:.1f}\n", exit_code, duration_ms); });
}

}  // namespace pocketdock::detail
