#pragma once
// A bounded byte queue between two threads: a producer pushing chunks (an HTTP body as it
// arrives) and a consumer pulling them (libarchive's read callback). Memory stays bounded by
// `max_bytes` whatever the body size.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pocketdock::detail {

class ChunkQueue {
 public:
  explicit ChunkQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Blocks while the queue is full. Returns false once the consumer cancelled.
  bool push(std::string_view data) {
    std::unique_lock lock(mutex_);
    can_push_.wait(lock, [&] { return cancelled_ || bytes_ < max_bytes_; });
    if (cancelled_) return false;
    chunks_.emplace_back(data);
    bytes_ += data.size();
    can_pop_.notify_one();
    return true;
  }

  /// Producer side: no more data; `error` (if any) is rethrown to the consumer after the data.
  void finish(std::exception_ptr error = nullptr) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    error_ = std::move(error);
    can_pop_.notify_all();
  }

  /// Blocks until a chunk arrives. Empty at the end; rethrows the producer's error.
  std::optional<std::string> pop() {
    std::unique_lock lock(mutex_);
    can_pop_.wait(lock, [&] { return !chunks_.empty() || finished_; });
    if (chunks_.empty()) {
      if (error_) std::rethrow_exception(error_);
      return std::nullopt;
    }
    std::string out = std::move(chunks_.front());
    chunks_.pop_front();
    bytes_ -= out.size();
    can_push_.notify_one();
    return out;
  }

  /// Consumer side: stop; a blocked or later push returns false.
  void cancel() {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    chunks_.clear();
    bytes_ = 0;
    can_push_.notify_all();
  }

 private:
  std::size_t max_bytes_;
  std::mutex mutex_;
  std::condition_variable can_push_;
  std::condition_variable can_pop_;
  std::deque<std::string> chunks_;
  std::size_t bytes_ = 0;
  bool finished_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
};

}  // namespace pocketdock::detail
