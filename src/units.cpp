#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <fmt/format.h>

#include <cctype>
#include <limits>

namespace pocketdock {

std::int64_t parse_mem_limit(std::string_view text) {
  auto fail = [&]() -> std::int64_t { throw InvalidArgument(fmt::format("invalid memory limit: '{}'", text)); };
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  std::size_t i = 0;
  std::int64_t value = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) {
    int digit = s[i] - '0';
    if (value > (std::numeric_limits<std::int64_t>::max() - digit) / 10) return fail();
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) return fail();
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])) != 0) ++i;
  int shift = 0;
  if (i < s.size()) {
    switch (std::tolower(static_cast<unsigned char>(s[i]))) {
      case 'b': shift = 0; break;
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      case 't': shift = 40; break;
      default: return fail();
    }
    if (++i != s.size()) return fail();
  }
  if (shift > 0 && value > (std::numeric_limits<std::int64_t>::max() >> shift)) return fail();
  return value << shift;
}

std::string format_bytes(std::int64_t bytes) {
  if (bytes < 0) return "0 B";
  if (bytes < 1024) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes);
  for (const char* unit : {"KB", "MB", "GB"}) {
    v /= 1024.0;
    if (v < 1024.0) return fmt::format("{:.1f} {}", v, unit);
  }
  return fmt::format("{:.1f} TB", v / 1024.0);
}

}  // namespace pocketdock
