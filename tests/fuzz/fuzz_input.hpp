#pragma once
// Helpers shared by the fuzz targets: the input as a string and a deterministic way to cut it
// into pieces, so incremental parsers see every split of the same bytes.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace pdfuzz {

/// Splits `data` into pieces whose sizes cycle through 1..`max_piece` driven by `seed`.
inline std::vector<std::string_view> split(std::string_view data, std::uint8_t seed) {
  std::vector<std::string_view> pieces;
  std::size_t max_piece = 1 + (seed % 17U);
  std::size_t step = 1 + (seed >> 4U);
  std::size_t n = 1;
  while (!data.empty()) {
    std::size_t take = n < data.size() ? n : data.size();
    pieces.push_back(data.substr(0, take));
    data.remove_prefix(take);
    n = 1 + (n + step) % max_piece;
  }
  return pieces;
}

/// The first byte drives the test's choices; the rest is the parser's input.
struct Input {
  std::uint8_t control = 0;
  std::string_view bytes;
};

inline Input take_control(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return {};
  return {data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

}  // namespace pdfuzz
