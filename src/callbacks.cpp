#include "callbacks.hpp"

namespace pocketdock::detail {
namespace {

template <class F>
void append(std::shared_ptr<const std::vector<F>>& list, F fn) {
  auto grown = std::make_shared<std::vector<F>>(*list);
  grown->push_back(std::move(fn));
  list = std::move(grown);
}

template <class F, class... Args>
void call_all(const std::vector<F>& list, Args&&... args) noexcept {
  for (const auto& fn : list) {
    try {
      if (fn) fn(args...);
    } catch (...) {
      // A failing callback must not stop the others or the reader that fires them.
    }
  }
}

}  // namespace

void CallbackRegistry::add_output(OutputStream stream, DataCallback fn) {
  std::lock_guard lock(mutex_);
  append(stream == OutputStream::out ? out_ : err_, std::move(fn));
}

void CallbackRegistry::add_exit(ExitCallback fn) {
  std::lock_guard lock(mutex_);
  append(exit_, std::move(fn));
}

void CallbackRegistry::fire_output(OutputStream stream, std::string_view data) const noexcept {
  List<DataCallback> list;
  {
    std::lock_guard lock(mutex_);
    list = stream == OutputStream::out ? out_ : err_;
  }
  call_all(*list, data);
}

void CallbackRegistry::fire_exit(int exit_code) const noexcept {
  List<ExitCallback> list;
  {
    std::lock_guard lock(mutex_);
    list = exit_;
  }
  call_all(*list, exit_code);
}

}  // namespace pocketdock::detail
