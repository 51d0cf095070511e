#pragma once
// The output buffer of a detached process: the newest bytes of each stream, oldest evicted.

#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>

namespace pocketdock::detail {

/// Keeps the last `capacity / 2` bytes (at least 1) of stdout and of stderr. Once any byte has
/// been evicted, `overflow()` stays true. Thread-safe.
class RingBuffer {
 public:
  explicit RingBuffer(std::size_t capacity = kDefaultBufferCapacity);

  /// Appends to the stream's half, evicting its oldest bytes beyond the half.
  void write(OutputStream stream, std::string_view data);
  /// The buffered bytes; both halves are then emptied.
  [[nodiscard]] BufferSnapshot read();
  /// The buffered bytes, left in place.
  [[nodiscard]] BufferSnapshot peek() const;
  /// Bytes buffered (stdout + stderr).
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool overflow() const;
  /// Bytes kept per stream.
  [[nodiscard]] std::size_t half() const noexcept { return half_; }

 private:
  // One stream's bytes live in data_[start_, end); the dead prefix is dropped once it is larger
  // than the half, so each byte is moved at most once more (amortised O(1)).
  struct Half {
    std::string data;
    std::size_t start = 0;
    [[nodiscard]] std::string_view view() const { return std::string_view(data).substr(start); }
    [[nodiscard]] std::size_t size() const { return data.size() - start; }
  };
  bool append(Half& h, std::string_view data) const;

  std::size_t half_;
  mutable std::mutex mutex_;
  Half out_;
  Half err_;
  bool overflow_ = false;
};

}  // namespace pocketdock::detail
