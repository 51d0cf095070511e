// Fuzz target: the engine's HTTP answers as pocketdock's own HTTP code reads them off a socket:
// the response head, then the body by BodyReader (archive downloads: Content-Length, chunked or
// until close) and by read_small_body (error bodies), and decode_chunked on the raw bytes.
// What BodyReader accepts must be exactly what its framing says.
#include "body_reader.hpp"
#include "fuzz_input.hpp"
#include "http.hpp"
#include "unix_socket.hpp"

#include <pocketdock/errors.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace pocketdock::detail;

/// A connection from which `bytes` can be read, then end of stream (what fits in the socket
/// buffer: the inputs are small).
UnixConnection serve(std::string_view bytes) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  ::fcntl(fds[1], F_SETFL, O_NONBLOCK);
  while (!bytes.empty()) {
    ssize_t n = ::send(fds[1], bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) break;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  ::close(fds[1]);
  return UnixConnection(fds[0]);
}

Deadline soon() { return deadline_after(std::chrono::seconds(5)); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)decode_chunked(input);
  try {
    (void)parse_response_head(input.substr(0, input.find("\r\n\r\n")));
  } catch (const pocketdock::SocketCommunicationError&) {
  }

  // An error body, as read after a >= 400 head.
  try {
    UnixConnection conn = serve(input);
    std::string leftover;
    ResponseHead head = read_response_head(conn, leftover, soon());
    std::string body = read_small_body(conn, head, std::move(leftover), soon(), 1024);
    if (body.size() > input.size()) std::abort();
  } catch (const pocketdock::SocketCommunicationError&) {
  }

  // A download body.
  std::string body;
  ResponseHead head;
  std::size_t body_start = input.find("\r\n\r\n");
  try {
    UnixConnection conn = serve(input);
    std::string leftover;
    head = read_response_head(conn, leftover, soon());
    BodyReader reader(std::move(conn), head, std::move(leftover), std::chrono::seconds(5), "fuzz");
    for (std::string_view piece = reader.next(); !piece.empty(); piece = reader.next()) body.append(piece);
    if (!reader.next().empty()) std::abort();  // the end stays the end
  } catch (const pocketdock::SocketCommunicationError&) {
    return 0;
  }
  std::string_view raw = input.substr(body_start + 4);
  if (head.status == 204 || head.status == 304) {
    if (!body.empty()) std::abort();
  } else if (head.header("transfer-encoding").find("chunked") != std::string::npos) {
    if (body != decode_chunked(raw)) std::abort();
  } else if (std::string cl = head.header("content-length"); !cl.empty()) {
    std::uint64_t length = 0;
    std::from_chars(cl.data(), cl.data() + cl.size(), length);
    if (body.size() != length || raw.substr(0, body.size()) != body) std::abort();
  } else if (body != raw) {
    std::abort();
  }
  return 0;
}
