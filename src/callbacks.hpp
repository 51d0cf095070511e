#pragma once
// The per-container callback registry (on_stdout, on_stderr, on_exit) of detached processes.

#include <pocketdock/types.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

namespace pocketdock::detail {

/// Thread-safe. Firing works on a snapshot, so callbacks may register more callbacks and a
/// registration made while output flows applies from the next piece of output on.
class CallbackRegistry {
 public:
  using DataCallback = std::function<void(std::string_view data)>;
  using ExitCallback = std::function<void(int exit_code)>;

  void add_output(OutputStream stream, DataCallback fn);
  void add_exit(ExitCallback fn);

  /// Calls every callback of `stream` in registration order; one that throws is skipped.
  void fire_output(OutputStream stream, std::string_view data) const noexcept;
  void fire_exit(int exit_code) const noexcept;

 private:
  template <class F>
  using List = std::shared_ptr<const std::vector<F>>;

  mutable std::mutex mutex_;
  List<DataCallback> out_ = std::make_shared<const std::vector<DataCallback>>();
  List<DataCallback> err_ = std::make_shared<const std::vector<DataCallback>>();
  List<ExitCallback> exit_ = std::make_shared<const std::vector<ExitCallback>>();
};

}  // namespace pocketdock::detail
