// Fuzz target: the memory limit parser and the byte formatter.
#include <pocketdock/errors.hpp>
#include <pocketdock/units.hpp>

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

// What a valid limit looks like: spaces, digits, spaces, an optional b/k/m/g/t, spaces.
bool well_formed(std::string_view s) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  std::size_t i = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0) ++i;
  if (i == 0) return false;
  while (i < s.size() && space(s[i])) ++i;
  if (i == s.size()) return true;
  return i + 1 == s.size() && std::strchr("bkmgtBKMGT", s[i]) != nullptr && s[i] != '\0';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    std::int64_t value = pocketdock::parse_mem_limit(text);
    if (value < 0 || !well_formed(text)) std::abort();
    if (pocketdock::format_bytes(value).empty()) std::abort();
  } catch (const pocketdock::InvalidArgument&) {
    // Rejected: fine, as long as only overflow rejects a well-formed text.
  }
  if (size >= sizeof(std::int64_t)) {
    std::int64_t raw = 0;
    std::memcpy(&raw, data, sizeof raw);
    if (pocketdock::format_bytes(raw).empty()) std::abort();
  }
  return 0;
}
