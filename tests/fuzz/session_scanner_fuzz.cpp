// Fuzz target: the session protocol's marker scanner. Fed the same bytes in different pieces it
// must report the same events (output merged), and it never holds back more than one marker.
#include "fuzz_input.hpp"
#include "session_protocol.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using pocketdock::detail::MarkerScanner;

const std::string kNonceA(32, 'a');
const std::string kNonceB = "0123456789abcdef0123456789abcdef";
// RS "PDE" nonce " " 3 digits RS
constexpr std::size_t kLongestMarker = 1 + 3 + 32 + 1 + 3 + 1;

struct Rendered {
  std::string output;
  std::vector<std::string> events;  // markers, each with the output length before it
};

Rendered scan(const std::vector<std::string_view>& pieces, std::uint8_t control) {
  MarkerScanner scanner;
  if ((control & 1U) != 0) scanner.expect(kNonceA);
  if ((control & 2U) != 0) scanner.expect(kNonceB);
  Rendered r;
  auto sink = [&](const MarkerScanner::Event& e) {
    if (e.kind == MarkerScanner::Kind::output) {
      r.output.append(e.data);
      return;
    }
    if (e.nonce != kNonceA && e.nonce != kNonceB) std::abort();
    if (!scanner.expects(e.nonce)) std::abort();
    if (e.exit_code && (*e.exit_code < 0 || *e.exit_code > 999)) std::abort();
    r.events.push_back(std::to_string(r.output.size()) + (e.kind == MarkerScanner::Kind::start ? "S" : "E") + e.nonce +
                       (e.exit_code ? ":" + std::to_string(*e.exit_code) : ""));
  };
  for (auto piece : pieces) {
    scanner.feed(piece, sink);
    if (scanner.held_bytes() > kLongestMarker) std::abort();
  }
  scanner.finish(sink);
  if (scanner.held_bytes() != 0) std::abort();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = pdfuzz::take_control(data, size);
  Rendered whole = scan({input.bytes}, input.control);
  Rendered pieces = scan(pdfuzz::split(input.bytes, input.control), input.control);
  Rendered bytes = scan(pdfuzz::split(input.bytes, 0), input.control);  // one byte at a time
  if (whole.output != pieces.output || whole.events != pieces.events) std::abort();
  if (whole.output != bytes.output || whole.events != bytes.events) std::abort();
  if (whole.output.size() > input.bytes.size()) std::abort();
  return 0;
}
