#pragma once
// A large HTTP response body read straight off its connection, in the pieces the socket gives:
// no thread, no queue, no copy. Used for archive downloads.
#include "http.hpp"
#include "unix_socket.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace pocketdock::detail {

class BodyReader {
 public:
  /// Takes the connection after `head` was read; `leftover` holds bytes read past the head.
  /// The body is framed by Content-Length, chunked, or ends when the engine closes. Every read
  /// waits at most `idle_timeout`: an engine that goes silent gives TimeoutError naming `what`.
  BodyReader(UnixConnection conn, const ResponseHead& head, std::string leftover,
             std::chrono::milliseconds idle_timeout, std::string what);
  BodyReader(BodyReader&&) noexcept = default;
  BodyReader& operator=(BodyReader&&) noexcept = default;
  BodyReader(const BodyReader&) = delete;
  BodyReader& operator=(const BodyReader&) = delete;
  ~BodyReader() = default;

  /// The next piece of the body, empty at its end. The view is valid until the next call.
  /// @throws TimeoutError (silent engine), SocketCommunicationError (cut or malformed body)
  [[nodiscard]] std::string_view next();
  /// Closes the connection; later `next` calls return empty.
  void close() noexcept;

 private:
  enum class Framing { length, chunked, until_close };
  /// Reads more into the buffer after what it holds (from its start once drained); false at
  /// end of stream.
  bool fill();
  /// Reads one CRLF-terminated line of at most a few KiB (chunk sizes, trailers).
  std::string_view read_line();
  void read_chunk_size();
  [[noreturn]] void fail(std::string_view why) const;

  UnixConnection conn_;
  Framing framing_ = Framing::until_close;
  std::uint64_t remaining_ = 0;  ///< of the body (length) or of the current chunk (chunked)
  bool after_chunk_ = false;     ///< a chunk's data ended: its CRLF comes next
  bool done_ = false;
  std::chrono::milliseconds idle_timeout_;
  std::string what_;
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace pocketdock::detail
