#include "unix_socket.hpp"

#include <pocketdock/errors.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <utility>

namespace pocketdock::detail {
namespace {

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

}  // namespace

UnixConnection::UnixConnection(UnixConnection&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

UnixConnection& UnixConnection::operator=(UnixConnection&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
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
  return conn;
}

void UnixConnection::write_all(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      if (!wait_for(fd_, POLLOUT, deadline)) throw TimeoutError("write to engine timed out");
      continue;
    }
    throw SocketCommunicationError(std::string("write: ") + std::strerror(errno));
  }
}

std::size_t UnixConnection::read_some(char* buffer, std::size_t size, Deadline deadline) {
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
      if (!wait_for(fd_, POLLIN, deadline)) throw TimeoutError("engine sent nothing before the deadline");
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
