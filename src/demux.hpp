#pragma once
// The engine's 8-byte-header stream multiplexing: [type, 0, 0, 0, len (BE32)] payload. No frame is
// held whole, so a frame's size (up to 4 GiB) needs no cap here: callers bound what they keep
// (max_output).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace pocketdock::detail {

inline constexpr std::size_t kFrameHeaderSize = 8;

/// Incremental demultiplexer: feed it bytes as they arrive, in any split; it calls
/// `sink(type, payload)` for each frame's payload, possibly in several pieces for one large frame
/// (no frame is buffered whole). Zero-length frames produce no call.
class Demuxer {
 public:
  /// Feeds bytes. `sink` is `void(std::uint8_t type, std::string_view payload)`.
  template <class Sink>
  void feed(std::string_view data, Sink&& sink) {
    while (!data.empty()) {
      if (remaining_ == 0) {
        std::size_t need = kFrameHeaderSize - header_len_;
        std::size_t take = data.size() < need ? data.size() : need;
        for (std::size_t i = 0; i < take; ++i) header_[header_len_ + i] = static_cast<unsigned char>(data[i]);
        header_len_ += take;
        data.remove_prefix(take);
        if (header_len_ < kFrameHeaderSize) return;
        header_len_ = 0;
        type_ = header_[0];
        remaining_ = (std::uint32_t{header_[4]} << 24) | (std::uint32_t{header_[5]} << 16) |
                     (std::uint32_t{header_[6]} << 8) | std::uint32_t{header_[7]};
        continue;
      }
      std::size_t take = data.size() < remaining_ ? data.size() : remaining_;
      sink(type_, data.substr(0, take));
      remaining_ -= static_cast<std::uint32_t>(take);
      data.remove_prefix(take);
    }
  }

  /// True when the stream ended cleanly between frames.
  [[nodiscard]] bool at_frame_boundary() const noexcept { return remaining_ == 0 && header_len_ == 0; }

 private:
  unsigned char header_[kFrameHeaderSize]{};
  std::size_t header_len_ = 0;
  std::uint32_t remaining_ = 0;
  std::uint8_t type_ = 0;
};

}  // namespace pocketdock::detail
