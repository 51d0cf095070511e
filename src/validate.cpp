// Checks of caller-supplied values, one function per kind of value, used before any engine call.
#include "validate.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <thread>

namespace pocketdock::detail {
namespace {

bool is_control(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool has_control(std::string_view s) { return std::any_of(s.begin(), s.end(), is_control); }

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

[[noreturn]] void fail(const std::string& message) { throw InvalidArgument(message); }

// The distribution reference grammar (docker/distribution reference/regexp.go), digest limited to
// sha256; applied only to short strings, so the backtracking stays cheap.
const std::regex& image_reference_regex() {
  static const std::regex re([] {
    std::string domain_part = "[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
    std::string domain = domain_part + "(?:\\." + domain_part + ")*(?::[0-9]{1,5})?";
    std::string component = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    std::string name = "(?:" + domain + "/)?" + component + "(?:/" + component + ")*";
    std::string tag = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}";
    std::string digest = "sha256:[0-9a-f]{64}";
    return "(?:" + name + "(?::" + tag + ")?(?:@" + digest + ")?|" + digest + ")";
  }());
  return re;
}

}  // namespace

void validate_container_name(std::string_view name) {
  bool ok =
      !name.empty() && name.size() <= 128 && is_alnum(name.front()) &&
      std::all_of(name.begin(), name.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
  if (!ok) {
    fail(
        fmt::format("invalid container name {:?}: use up to 128 letters, digits, '_', '.', '-', starting with a "
                    "letter or digit",
                    name));
  }
}

void validate_image_reference(std::string_view reference) {
  if (reference.empty()) fail("image must not be empty");
  if (reference.size() > 512 || has_control(reference) || reference.find(' ') != std::string_view::npos) {
    fail(fmt::format("invalid image reference {:?}: too long, or spaces or control characters", reference));
  }
  if (!std::regex_match(reference.begin(), reference.end(), image_reference_regex())) {
    fail(
        fmt::format("invalid image reference {:?}: expected [host[:port]/]repo/path[:tag][@sha256:digest] with "
                    "lowercase path components",
                    reference));
  }
}

void validate_label_key(std::string_view key) {
  if (key.empty()) fail("label key must not be empty");
  if (key.size() > 1024 || key.find('=') != std::string_view::npos || has_control(key)) {
    fail(fmt::format("invalid label key {:?}: no '=' or control characters, at most 1024 bytes", key));
  }
}

void validate_env(std::string_view name, std::string_view value) {
  if (name.empty() || name.find('=') != std::string_view::npos || name.find('\0') != std::string_view::npos) {
    fail(fmt::format("invalid environment variable name {:?}: non-empty, without '=' or NUL", name));
  }
  if (value.find('\0') != std::string_view::npos) {
    fail(fmt::format("environment variable {:?} has a NUL byte in its value", name));
  }
}

void validate_user(std::string_view user) {
  auto part_ok = [](std::string_view p) {
    return !p.empty() && p.size() <= 256 &&
           std::all_of(p.begin(), p.end(), [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
  };
  std::size_t colon = user.find(':');
  bool ok = colon == std::string_view::npos ? part_ok(user)
                                            : part_ok(user.substr(0, colon)) && part_ok(user.substr(colon + 1));
  if (!ok) fail(fmt::format("invalid user {:?}: expected name, uid, uid:gid or name:group", user));
}

void validate_signal(int signal) {
  if (signal < 1 || signal > 64) fail(fmt::format("signal {} is outside 1-64", signal));
}

void validate_port(int port, bool allow_zero, std::string_view what) {
  if ((port == 0 && allow_zero) || (port >= 1 && port <= 65535)) return;
  fail(fmt::format("{} port {} is outside 1-65535", what, port));
}

void validate_mem_limit(std::string_view text) {
  if (parse_mem_limit(text) <= 0) fail(fmt::format("memory limit {:?} must be above zero", text));
}

void validate_cpu_percent(int percent) {
  int max = 100 * static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  if (percent < 1 || percent > max) fail(fmt::format("cpu_percent {} is outside 1-{} (100 per CPU)", percent, max));
}

void validate_absolute_path(std::string_view path, std::string_view what, bool no_colon) {
  if (path.empty() || path.front() != '/') fail(fmt::format("{} {:?} is not absolute", what, path));
  if (path.find('\0') != std::string_view::npos) fail(fmt::format("{} {:?} has a NUL byte", what, path));
  if (no_colon && path.find(':') != std::string_view::npos)
    fail(fmt::format("{} {:?} may not contain ':'", what, path));
}

void validate_dir_name(std::string_view name, std::string_view what) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos || has_control(name) ||
      name.size() > 255) {
    fail(fmt::format("invalid {} {:?}: no '/', no leading '.', no control characters", what, name));
  }
}

void validate_run_options(const RunOptions& options) {
  for (const auto& [k, v] : options.env) validate_env(k, v);
  if (!options.user.empty()) validate_user(options.user);
  if (!options.workdir.empty()) validate_absolute_path(options.workdir, "working directory");
}

}  // namespace pocketdock::detail
