#pragma once
// Helpers shared by ExecStream and Process.

#include "exec.hpp"

#include <pocketdock/errors.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <string>

namespace pocketdock::detail {

/// Kills the exec's command and children with SIGKILL and reads (feeding `sink`) until its
/// output ends. Reading goes on while the kill exec runs, because Docker stalls other execs of
/// a container whose exec output is left unread. Bounded: once the kill exec is done, at most
/// `grace` more is spent waiting for the end of the output. Returns true if it ended.
template <class Sink>
bool kill_and_drain(EngineClient& engine, const std::string& container_id, const std::string& token,
                    const std::string& user, bool supervised, ExecReader& reader, Sink&& sink,
                    std::chrono::milliseconds grace = std::chrono::seconds(2)) noexcept {
  std::future<void> killer;
  try {
    // The command may not have started yet (a stream destroyed at once): wait for it.
    killer = std::async(std::launch::async,
                        [&] { kill_exec(engine, container_id, token, user, supervised, /*wait_for_start=*/true); });
  } catch (...) {
    return false;  // no thread for the killer
  }
  bool ended = false;
  std::optional<Deadline> until;
  try {
    for (;;) {
      if (!until && killer.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
        until = deadline_after(grace);
      }
      Deadline step = deadline_after(std::chrono::milliseconds(100));
      if (until && *until < step) step = *until;
      try {
        if (!reader.pump(step, sink)) {
          ended = true;
          break;
        }
      } catch (const TimeoutError&) {
        if (until && Clock::now() >= *until) break;
      }
    }
  } catch (...) {
    // The connection broke: the output has ended as far as we can read it.
  }
  killer.wait();
  return ended;
}

}  // namespace pocketdock::detail
