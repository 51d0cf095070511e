#include "unix_socket.hpp"

#include <pocketdock/errors.hpp>

#include <poll.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include <memory>
#include <utility>

namespace pocketdock::detail {
namespace {

using std::chrono::microseconds;

/// An armed timeout may end this long after the deadline (the kernel rounds up to a tick anyway).
constexpr microseconds kArmSlack = std::chrono::milliseconds(5);
constexpr microseconds kMaxArm = std::chrono::hours(24);
/// One sendfile call moves at most this much (about one socket buffer), so it waits at most
/// once or twice for the engine to read.
constexpr std::size_t kSendfilePiece = 256 * 1024;

int poll_timeout_ms(Deadline deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000 ? 1'000'000 : static_cast<int>(left) + 1;
}

// Returns false on timeout.
bool wait_for(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int timeout = poll_timeout_ms(deadline);
    int rc = ::poll(&p, 1, timeout);
    if (rc > 0) return true;
    if (rc == 0) {
      if (Clock::now() >= deadline) return false;
      continue;
    }
    if (errno != EINTR) throw SocketCommunicationError(std::string("poll: ") + std::strerror(errno));
  }
}

/// Bounds the next blocking recv/send (`option` SO_RCVTIMEO or SO_SNDTIMEO) by `deadline`.
/// Re-arms only when the armed value would end more than kArmSlack after the deadline or
/// before half of the time left. It arms 3/5 of the time left: a fixed deadline then re-arms a
/// few times as it nears (not every few ms), and a fresh deadline per call never. A wait that
/// the armed value ends early goes on in poll. False once the deadline has passed.
bool arm(int fd, int option, microseconds& armed, Deadline deadline) {
  auto left = std::chrono::ceil<microseconds>(deadline - Clock::now());
  if (left <= microseconds::zero()) return false;
  auto capped = std::min(left, kMaxArm);
  if (armed > microseconds::zero() && armed <= left + kArmSlack && armed * 2 >= capped) return true;
  auto want = std::max(capped * 3 / 5, std::min(capped, kArmSlack));
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(want.count() / 1'000'000);
  tv.tv_usec = static_cast<suseconds_t>(want.count() % 1'000'000);
  if (::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv) != 0) {
    throw SocketCommunicationError(std::string("setsockopt: ") + std::strerror(errno));
  }
  armed = want;
  return true;
}

bool is_socket_error(int e) { return e == EPIPE || e == ECONNRESET || e == ENOTCONN || e == ESHUTDOWN; }

/// sendfile has no MSG_NOSIGNAL: SIGPIPE is blocked in this thread meanwhile, and one it raised
/// is taken back (unless one was pending before).
class SigpipeGuard {
 public:
  SigpipeGuard() noexcept {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    restore_ = ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  }
  ~SigpipeGuard() {
    if (raised_ && !was_pending_) {
      timespec zero{};
      while (::sigtimedwait(&pipe_, nullptr, &zero) < 0 && errno == EINTR) {
      }
    }
    if (restore_) ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;
  void raised() noexcept { raised_ = true; }

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool was_pending_ = false;
  bool restore_ = false;
  bool raised_ = false;
};

}  // namespace

UnixConnection::UnixConnection(UnixConnection&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      receive_armed_(std::exchange(other.receive_armed_, microseconds::zero())),
      send_armed_(std::exchange(other.send_armed_, microseconds::zero())) {}

UnixConnection& UnixConnection::operator=(UnixConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    receive_armed_ = std::exchange(other.receive_armed_, microseconds::zero());
    send_armed_ = std::exchange(other.send_armed_, microseconds::zero());
  }
  return *this;
}

UnixConnection::~UnixConnection() { close(); }

UnixConnection UnixConnection::connect(const std::string& path, Deadline deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    throw SocketConnectionError(path, "socket path is empty or too long");
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  // Non-blocking only while connecting (a full backlog would block): then blocking, with
  // timeouts bounding each call.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) throw SocketConnectionError(path, std::strerror(errno));
  UnixConnection conn(fd);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      int e = errno;
      throw SocketConnectionError(path, e == ENOENT ? "no such socket" : std::strerror(e));
    }
    if (!wait_for(fd, POLLOUT, deadline)) throw TimeoutError("connect to " + path + " timed out");
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw SocketConnectionError(path, std::strerror(err));
  }
  int non_blocking = 0;
  if (::ioctl(fd, FIONBIO, &non_blocking) != 0) throw SocketConnectionError(path, std::strerror(errno));
  return conn;
}

void UnixConnection::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    if (!arm(fd_, SO_SNDTIMEO, send_armed_, deadline)) throw TimeoutError("write to engine timed out");
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The armed timeout ended before the deadline (or the fd is non-blocking).
      if (!wait_for(fd_, POLLOUT, deadline)) throw TimeoutError("write to engine timed out");
      continue;
    }
    throw SocketCommunicationError(std::string("write: ") + std::strerror(errno));
  }
}

std::size_t UnixConnection::send_file(int fd, off_t offset, std::size_t count, Deadline deadline) {
  SigpipeGuard sigpipe;
  std::size_t sent = 0;
  bool splice = true;
  bool seekable = true;
  std::unique_ptr<char[]> buffer;
  while (sent < count) {
    if (!arm(fd_, SO_SNDTIMEO, send_armed_, deadline)) throw TimeoutError("write to engine timed out");
    std::size_t want = std::min(count - sent, kSendfilePiece);
    if (splice) {
      off_t at = offset + static_cast<off_t>(sent);
      ssize_t n = ::sendfile(fd_, fd, &at, want);
      if (n > 0) {
        sent += static_cast<std::size_t>(n);
        continue;
      }
      if (n == 0) break;  // the file ended early
      int e = errno;
      if (e == EINTR) continue;
      if (e == EAGAIN || e == EWOULDBLOCK) {
        if (!wait_for(fd_, POLLOUT, deadline)) throw TimeoutError("write to engine timed out");
        continue;
      }
      if (e == EINVAL || e == ENOSYS || e == EOPNOTSUPP || e == ESPIPE) {
        // The file cannot be spliced (some virtual files, pipes): copy it instead.
        splice = false;
        seekable = e != ESPIPE;
        continue;
      }
      if (is_socket_error(e)) {
        if (e == EPIPE) sigpipe.raised();
        throw SocketCommunicationError(std::string("write: ") + std::strerror(e));
      }
      throw PocketDockError(std::string("reading the file to send: ") + std::strerror(e));
    }
    if (!buffer) buffer = std::make_unique<char[]>(kSendfilePiece);
    ssize_t n =
        seekable ? ::pread(fd, buffer.get(), want, offset + static_cast<off_t>(sent)) : ::read(fd, buffer.get(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ESPIPE && seekable) {
      seekable = false;
      continue;
    }
    if (n < 0) throw PocketDockError(std::string("reading the file to send: ") + std::strerror(errno));
    if (n == 0) break;
    write_all(std::string_view(buffer.get(), static_cast<std::size_t>(n)), deadline);
    sent += static_cast<std::size_t>(n);
  }
  return sent;
}

std::size_t UnixConnection::read_some(char* buffer, std::size_t size, Deadline deadline) {
  for (;;) {
    bool can_wait = arm(fd_, SO_RCVTIMEO, receive_armed_, deadline);
    ssize_t n = ::recv(fd_, buffer, size, can_wait ? 0 : MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      // Nothing came within the armed timeout: the deadline passed, or the timeout was armed
      // for a part of it (or the fd is non-blocking) and the rest is waited for here.
      if (!can_wait || !wait_for(fd_, POLLIN, deadline)) {
        throw TimeoutError("engine sent nothing before the deadline");
      }
      continue;
    }
    if (errno == ECONNRESET) return 0;
    throw SocketCommunicationError(std::string("read: ") + std::strerror(errno));
  }
}

bool UnixConnection::wait_readable(Deadline deadline) const { return wait_for(fd_, POLLIN, deadline); }

void UnixConnection::shutdown_write() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void UnixConnection::interrupt() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
}

void UnixConnection::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace pocketdock::detail
