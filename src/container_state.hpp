#pragma once
// Shared state behind a Container handle. Sessions, streams and processes hold a shared_ptr to
// it, so they stay valid while the handle moves.

#include "callbacks.hpp"
#include "engine_api.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/options.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pocketdock::detail {

/// Something the container must end when it shuts down (a session, stream or process).
class ShutdownHook {
 public:
  virtual ~ShutdownHook() = default;
  virtual void on_container_shutdown() noexcept = 0;
};

struct ContainerState {
  std::shared_ptr<EngineClient> engine;
  std::string name;
  std::string image;
  std::chrono::milliseconds timeout{30000};
  bool persist = false;
  std::string project;
  std::string data_path;
  CreateOptions create_options;  ///< what it was made with (a fresh reboot makes it again)
  /// A handle from attach_container: its destructor leaves the container alone.
  bool attached = false;
  /// The OCI runtime the container runs under ("" when not known).
  std::string runtime;
  /// Whether commands run under the engine's init as a subreaper (see `supervised_execs`):
  /// 0 not known yet (probed by the first command), 1 yes, 2 no.
  std::atomic<int> supervision{0};

  /// OOM kills of the container's memory cgroup already reported in a result (see
  /// `claim_oom_kill`); unset until read (a handle to a container made elsewhere).
  std::mutex oom_mutex;
  std::optional<std::int64_t> oom_kills_claimed;  ///< guarded by oom_mutex

  mutable std::mutex mutex;
  std::string id;  ///< guarded by mutex: changes on a fresh reboot
  std::atomic<bool> closed{false};
  std::vector<std::weak_ptr<ShutdownHook>> hooks;  ///< guarded by mutex
  CallbackRegistry callbacks;                      ///< on_stdout/on_stderr/on_exit of spawned processes (thread-safe)
  /// (mount point, fstype) of /proc/mounts of container `mounts_of`, read once by the file
  /// methods; cleared by reboot().
  std::mutex mounts_mutex;
  std::string mounts_of;                                                   ///< guarded by mounts_mutex
  std::optional<std::vector<std::pair<std::string, std::string>>> mounts;  ///< guarded by mounts_mutex

  void clear_mounts() {
    std::lock_guard lock(mounts_mutex);
    mounts.reset();
    mounts_of.clear();
  }

  [[nodiscard]] std::string current_id() const {
    std::lock_guard lock(mutex);
    return id;
  }
  void add_hook(const std::shared_ptr<ShutdownHook>& hook) {
    std::lock_guard lock(mutex);
    std::erase_if(hooks, [](const auto& w) { return w.expired(); });
    hooks.push_back(hook);
  }
  /// Ends every live session, stream and process (outside the lock).
  void run_hooks() noexcept {
    std::vector<std::weak_ptr<ShutdownHook>> taken;
    {
      std::lock_guard lock(mutex);
      taken.swap(hooks);
    }
    for (auto& w : taken) {
      if (auto h = w.lock()) h->on_container_shutdown();
    }
  }
};

struct ContainerAccess {
  static Container make(std::shared_ptr<ContainerState> state) { return Container(std::move(state)); }
  static const std::shared_ptr<ContainerState>& state(const Container& c) { return c.state_; }
};

/// Every label pocketdock sets on a container it creates (an empty value when unused).
inline constexpr const char* kOwnLabels[] = {"pocketdock.managed",    "pocketdock.instance", "pocketdock.persist",
                                             "pocketdock.created-at", "pocketdock.project",  "pocketdock.data-path",
                                             "pocketdock.security"};

/// The create body of the reference (labels, limits, ports...) plus our options. Validates first.
[[nodiscard]] nlohmann::json container_create_body(const CreateOptions& options, const std::string& name,
                                                   const std::string& image, const std::string& project,
                                                   const std::string& data_path, const std::string& created_at);

/// Creates the container of `body` under `name`. A create that fails in transport (a timeout, a
/// cut connection, a server error) may still have made it: the container of that name is then
/// removed if it is this create's (`pocketdock.managed`, `.instance` and `.created-at` as in
/// `body`). A name in use is someone else's and left alone. Rethrows the create's error.
[[nodiscard]] std::string create_container_or_clean_up(EngineClient& engine, const nlohmann::json& body,
                                                       const std::string& name);
/// Checks that `runtime` is one the engine offers and can give a single container.
/// @throws InvalidArgument naming what the engine offers, SocketError, TimeoutError
void require_runtime(EngineClient& engine, const std::string& runtime);

/// Checks every option that can be checked without an engine. @throws InvalidArgument
void validate_create_options(const CreateOptions& options);

/// "2026-02-09T12:34:56.123456+00:00" for now (reference `created-at` label format).
[[nodiscard]] std::string iso_now();

/// Name of a new container: "pd-" + 8 lowercase hex digits.
[[nodiscard]] std::string generate_name();

}  // namespace pocketdock::detail
