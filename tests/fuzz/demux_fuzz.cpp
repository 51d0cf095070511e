// Fuzz target: the exec frame demultiplexer. The payloads it reports, fed in arbitrary pieces,
// must equal those of a straightforward whole-buffer parse of the same bytes.
#include "demux.hpp"
#include "fuzz_input.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using Payloads = std::vector<std::pair<std::uint8_t, std::string>>;

// Appends to the last payload when the type repeats (the demuxer may deliver one frame in pieces).
void add(Payloads& out, std::uint8_t type, std::string_view data) {
  if (data.empty()) return;
  if (!out.empty() && out.back().first == type) {
    out.back().second.append(data);
  } else {
    out.emplace_back(type, std::string(data));
  }
}

// The reference: frames parsed from the whole buffer. Returns whether it ends between frames.
bool reference(std::string_view data, Payloads& out) {
  while (!data.empty()) {
    if (data.size() < pocketdock::detail::kFrameHeaderSize) return false;
    auto byte = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])); };
    std::uint8_t type = static_cast<std::uint8_t>(byte(0));
    std::size_t len = (byte(4) << 24) | (byte(5) << 16) | (byte(6) << 8) | byte(7);
    data.remove_prefix(pocketdock::detail::kFrameHeaderSize);
    std::size_t take = len < data.size() ? len : data.size();
    add(out, type, data.substr(0, take));
    data.remove_prefix(take);
    if (take < len) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = pdfuzz::take_control(data, size);
  pocketdock::detail::Demuxer demux;
  Payloads got;
  for (auto piece : pdfuzz::split(input.bytes, input.control)) {
    demux.feed(piece, [&](std::uint8_t type, std::string_view payload) {
      if (payload.empty()) std::abort();  // zero-length frames produce no call
      add(got, type, payload);
    });
  }
  Payloads want;
  bool boundary = reference(input.bytes, want);
  if (got != want || demux.at_frame_boundary() != boundary) std::abort();
  return 0;
}
