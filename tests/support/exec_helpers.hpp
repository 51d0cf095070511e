#pragma once
// Helpers of the exec-mode tests (streams, processes, callbacks).

#include <pocketdock/pocketdock.hpp>

#include <chrono>
#include <cstddef>
#include <string>

namespace pdtest {

/// True if no process in the container has `needle` in its command line, checked repeatedly
/// for up to `within` (a killed process may take a moment to be reaped).
[[nodiscard]] bool eventually_absent(pocketdock::Container& c, const std::string& needle,
                                     std::chrono::milliseconds within = std::chrono::seconds(3));

/// Resets this process's peak resident set size (VmHWM) to the current one. False if the
/// kernel refuses.
bool reset_peak_rss();
/// A field of /proc/self/status in KiB ("VmHWM", "VmRSS"), or 0 if absent.
[[nodiscard]] std::size_t proc_status_kib(const std::string& field);

}  // namespace pdtest
