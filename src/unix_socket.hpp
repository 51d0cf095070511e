#pragma once
// Raw AF_UNIX stream sockets with deadlines: the transport for upgraded (101) exec streams,
// archive downloads and uploads.

#include <sys/types.h>
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
///
/// The socket is blocking: each recv/send is bounded by SO_RCVTIMEO/SO_SNDTIMEO, re-armed only
/// when the armed value no longer fits the deadline, so a steady stream costs one syscall per
/// wake-up. The armed values belong to the socket: objects sharing one socket (a dup'ed fd)
/// must not use the same direction. Reads and writes may run in different threads.
class UnixConnection {
 public:
  UnixConnection() = default;
  /// Takes `fd` as it is (blocking or not: both keep their deadlines).
  explicit UnixConnection(int fd) noexcept : fd_(fd) {}
  UnixConnection(UnixConnection&& other) noexcept;
  UnixConnection& operator=(UnixConnection&& other) noexcept;
  UnixConnection(const UnixConnection&) = delete;
  UnixConnection& operator=(const UnixConnection&) = delete;
  ~UnixConnection();

  /// @throws SocketConnectionError, TimeoutError
  [[nodiscard]] static UnixConnection connect(const std::string& path, Deadline deadline);

  /// Sends all of `data`; a deadline that has passed throws TimeoutError at once.
  void write_all(std::string_view data, Deadline deadline);
  /// Sends up to `count` bytes of the file `fd` from `offset` by sendfile(2) (pread and send
  /// where the file cannot be spliced), with write_all's deadline. Returns the bytes sent:
  /// fewer than `count` only when the file ends early. Never raises SIGPIPE.
  /// @throws TimeoutError, SocketCommunicationError, PocketDockError (reading the file failed)
  [[nodiscard]] std::size_t send_file(int fd, off_t offset, std::size_t count, Deadline deadline);
  /// Reads up to `size` bytes; returns 0 at end of stream. A deadline that has passed still
  /// returns data that is already there.
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
  /// The SO_RCVTIMEO / SO_SNDTIMEO last set on the socket; zero when not known.
  std::chrono::microseconds receive_armed_{0};
  std::chrono::microseconds send_armed_{0};
};

}  // namespace pocketdock::detail
