#pragma once
/// @file units.hpp
/// Byte quantities as the reference writes and reads them.

#include <cstdint>
#include <string>
#include <string_view>

namespace pocketdock {

/// Parses a memory limit: digits, optional spaces, optional b/k/m/g/t suffix (powers of 1024,
/// case-insensitive), surrounding spaces ignored. "256m" -> 268435456.
/// @throws InvalidArgument ("invalid memory limit: 'abc'") for anything else, or overflow.
[[nodiscard]] std::int64_t parse_mem_limit(std::string_view text);

/// "512 B", "1.0 KB", "42.0 MB", ... "3.0 TB" (reference `format_bytes`); negative gives "0 B".
[[nodiscard]] std::string format_bytes(std::int64_t bytes);

}  // namespace pocketdock
