#pragma once
// Raw AF_UNIX stream sockets with deadlines: the transport for upgraded (101) exec streams.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace pocketdock::detail {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

[[nodiscard]] inline Deadline deadline_after(std::chrono::milliseconds d) { return Clock::now() + d; }

/// Owns one connected AF_UNIX socket. Every blocking call takes a deadline and throws
/// TimeoutError when it passes; I/O failures throw SocketCommunicationError.
class UnixConnection {
 public:
  UnixConnection() = default;
  explicit UnixConnection(int fd) noexcept : fd_(fd) {}
  UnixConnection(UnixConnection&& other) noexcept;
  UnixConnection& operator=(UnixConnection&& other) noexcept;
  UnixConnection(const UnixConnection&) = delete;
  UnixConnection& operator=(const UnixConnection&) = delete;
  ~UnixConnection();

  /// @throws SocketConnectionError, TimeoutError
  [[nodiscard]] static UnixConnection connect(const std::string& path, Deadline deadline);

  void write_all(std::string_view data, Deadline deadline);
  /// Reads up to `size` bytes; returns 0 at end of stream.
  [[nodiscard]] std::size_t read_some(char* buffer, std::size_t size, Deadline deadline);
  /// Waits until readable (or EOF/error); false if the deadline passed first.
  [[nodiscard]] bool wait_readable(Deadline deadline) const;
  /// Half-close: the peer sees EOF on what we send, we can still read.
  void shutdown_write() noexcept;
  /// Wakes any reader blocked in another thread (shutdown both ways) without closing the fd.
  void interrupt() noexcept;
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return fd_ >= 0; }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_ = -1;
};

}  // namespace pocketdock::detail
