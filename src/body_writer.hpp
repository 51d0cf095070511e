#pragma once
// A request body written straight to its connection: chunked when its length is not known, or
// of an announced Content-Length, where file data goes by sendfile from the page cache.
#include "unix_socket.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace pocketdock::detail {

class BodyWriter {
 public:
  /// Writes on `conn` after the request head. `length` unset: chunked. Every piece waits at most
  /// `idle_timeout` for the engine to take it (TimeoutError), so a large body is not cut short.
  BodyWriter(UnixConnection& conn, std::optional<std::uint64_t> length, std::chrono::milliseconds idle_timeout);

  /// @throws TimeoutError, SocketCommunicationError; PocketDockError past the announced length
  void write(std::string_view data);
  /// `count` zero bytes.
  void write_zeros(std::uint64_t count);
  /// Sends up to `count` bytes of the file `fd` from `offset` (sendfile); fewer only when the
  /// file ends early. For a body of announced length only.
  /// @throws as `write`, and PocketDockError (reading the file failed)
  [[nodiscard]] std::uint64_t write_file(int fd, std::uint64_t offset, std::uint64_t count);
  /// Ends the body: the last chunk, or a check that all of the announced length was written.
  void finish();

  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }

 private:
  void claim(std::uint64_t count);

  UnixConnection& conn_;
  std::optional<std::uint64_t> length_;
  std::chrono::milliseconds idle_timeout_;
  std::uint64_t written_ = 0;
};

}  // namespace pocketdock::detail
