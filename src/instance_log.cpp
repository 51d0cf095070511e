// Run, session and detach logs and history.jsonl of an instance directory (reference formats).
#include "projects_internal.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>

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

// The line that ends a log cut at its cap.
std::string truncation_marker(std::uint64_t cap) { return fmt::format("\n[log truncated at {} bytes]\n", cap); }

// Appends `data` to `path` (or replaces its content with `O_TRUNC`) through a close-on-exec
// descriptor that follows no final symlink.
bool write_file(const fs::path& path, std::string_view data, int mode_flag = O_APPEND) {
  int fd = ::open(path.c_str(), O_WRONLY | mode_flag | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return false;
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return ::close(fd) == 0;
}

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
    std::string text = run_log_text(command, result);
    std::uint64_t cap = max_log_size_of(data_path);
    if (text.size() > cap) {
      text.resize(static_cast<std::size_t>(cap));
      text += truncation_marker(cap);
    }
    (void)write_file(dir / fmt::format("run-{}.log", safe_timestamp(started_at)), text, O_TRUNC);
    (void)write_file(dir / "history.jsonl", history_line(command, result, started_at) + "\n");
  } catch (...) {
    // Logging never fails a run.
  }
}

std::uint64_t parse_log_size(std::string_view text) {
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.pop_back();
  // "10MB" is "10M" in the memory-limit grammar; a lone "b" stays (bytes).
  if (s.size() >= 2 && (s.back() == 'b' || s.back() == 'B') &&
      std::string_view("kKmMgGtT").find(s[s.size() - 2]) != std::string_view::npos) {
    s.pop_back();
  }
  std::int64_t bytes = parse_mem_limit(s);
  if (bytes <= 0) throw InvalidArgument(fmt::format("log size {:?} must be above zero", text));
  return static_cast<std::uint64_t>(bytes);
}

std::uint64_t max_log_size_of(const fs::path& instance_dir) noexcept {
  try {
    fs::path config = instance_dir.parent_path().parent_path() / "pocketdock.yaml";
    YAML::Node doc = YAML::LoadFile(config.string());
    YAML::Node size = doc.IsMap() && doc["logging"].IsMap() ? doc["logging"]["max_log_size"] : YAML::Node();
    if (size && size.IsScalar()) return parse_log_size(size.as<std::string>());
  } catch (...) {
    // No project file or no valid size: the default cap.
  }
  return kDefaultMaxLogSize;
}

template <typename MakeText>
void InstanceLogFile::append_with(MakeText&& text) noexcept {
  try {
    std::lock_guard lock(shared_->mutex);
    if (shared_->failed || shared_->truncated) return;
    shared_->failed = true;  // until the write below is known to have worked
    std::string data = text();
    std::uint64_t room = shared_->max_bytes - std::min(shared_->written, shared_->max_bytes);
    if (data.size() > room) {
      data.resize(static_cast<std::size_t>(room));
      data += truncation_marker(shared_->max_bytes);
      shared_->truncated = true;
    }
    if (!write_file(path_, data)) return;
    shared_->written += data.size();
    shared_->failed = false;
  } catch (...) {
    // Logging never fails the session or process it records.
  }
}

std::optional<InstanceLogFile> InstanceLogFile::open_with_header(const std::string& data_path, const char* kind,
                                                                 const std::string& header,
                                                                 std::optional<std::uint64_t> max_bytes) noexcept {
  if (data_path.empty()) return std::nullopt;
  try {
    std::uint64_t cap = max_bytes ? *max_bytes : max_log_size_of(data_path);
    InstanceLogFile f(logs_dir(data_path) / fmt::format("{}-{}.log", kind, safe_timestamp(iso_now())), cap);
    f.append_with([&] { return header; });
    if (f.ok()) return f;
  } catch (...) {
    // No log: the session or process works without one.
  }
  return std::nullopt;
}

std::optional<InstanceLogFile> InstanceLogFile::open_session(const std::string& data_path,
                                                             const std::string& session_id,
                                                             std::optional<std::uint64_t> max_bytes) noexcept {
  return open_with_header(data_path, "session", fmt::format("# session_id: {}\n\n", session_id), max_bytes);
}

std::optional<InstanceLogFile> InstanceLogFile::open_detach(const std::string& data_path, const std::string& command,
                                                            std::optional<std::uint64_t> max_bytes) noexcept {
  return open_with_header(data_path, "detach", fmt::format("# command: {}\n\n", command), max_bytes);
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
