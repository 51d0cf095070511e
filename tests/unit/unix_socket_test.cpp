// UnixConnection's deadlines on blocking sockets: silence, data, stalled writes, sendfile,
// signals and interrupt(), against a socketpair or a tiny AF_UNIX server.
#include "unix_socket.hpp"

#include <pocketdock/errors.hpp>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::detail::Clock;
using pocketdock::detail::deadline_after;
using pocketdock::detail::UnixConnection;

namespace {

// The upper bound is generous: CI machines are loaded.
constexpr auto kLate = 250ms;

/// A connected pair: `conn` is the library side, `peer` the engine side (a raw fd).
struct Pair {
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    conn = UnixConnection(fds[0]);
    peer = fds[1];
  }
  ~Pair() {
    if (peer >= 0) ::close(peer);
  }
  Pair(const Pair&) = delete;
  Pair& operator=(const Pair&) = delete;
  void send(const std::string& bytes) const {
    ASSERT_EQ(::send(peer, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  UnixConnection conn;
  int peer = -1;
};

/// A listening socket in a temp dir whose accepted connections never say anything.
class SilentServer {
 public:
  SilentServer() {
    char tmpl[] = "/tmp/pdsock-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    path_ = dir_ + "/s.sock";
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4) != 0) {
      throw std::runtime_error("listen");
    }
  }
  ~SilentServer() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  SilentServer(const SilentServer&) = delete;
  SilentServer& operator=(const SilentServer&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string dir_;
  std::string path_;
  int fd_ = -1;
};

/// Milliseconds `f` took.
template <class F>
std::chrono::milliseconds took(F&& f) {
  auto t0 = Clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}

/// A temp file of `size` bytes (byte i is i*13+1).
class TempFile {
 public:
  explicit TempFile(std::size_t size) {
    char tmpl[] = "/tmp/pdsendfile-XXXXXX";
    fd_ = ::mkstemp(tmpl);
    path_ = tmpl;
    data_.resize(size);
    for (std::size_t i = 0; i < size; ++i) data_[i] = static_cast<char>(i * 13 + 1);
    if (::write(fd_, data_.data(), size) != static_cast<ssize_t>(size)) throw std::runtime_error("write");
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& data() const { return data_; }

 private:
  int fd_ = -1;
  std::string path_;
  std::string data_;
};

std::string read_exactly(int fd, std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out.data() + got, n - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

void expect_times_out_within(UnixConnection& conn, std::chrono::milliseconds d) {
  char buf[64];
  auto t =
      took([&] { EXPECT_THROW((void)conn.read_some(buf, sizeof buf, deadline_after(d)), pocketdock::TimeoutError); });
  EXPECT_GE(t, d) << "deadline " << d.count() << " ms";
  EXPECT_LE(t, d + kLate) << "deadline " << d.count() << " ms";
}

TEST(UnixSocket, SilentPeerTimesOutAtTheDeadlineAsTheArmedTimeoutShrinksAndGrows) {
  Pair p;
  for (auto d : {300ms, 40ms, 400ms, 15ms, 200ms, 190ms, 500ms}) expect_times_out_within(p.conn, d);
}

TEST(UnixSocket, SilentServerTimesOutOnAConnectedSocket) {
  SilentServer server;
  auto conn = UnixConnection::connect(server.path(), deadline_after(1s));
  EXPECT_EQ(::fcntl(conn.fd(), F_GETFL) & O_NONBLOCK, 0) << "connected sockets are blocking";
  for (auto d : {150ms, 30ms, 300ms}) expect_times_out_within(conn, d);
}

TEST(UnixSocket, NonBlockingFdKeepsItsDeadline) {
  Pair p;
  ::fcntl(p.conn.fd(), F_SETFL, ::fcntl(p.conn.fd(), F_GETFL) | O_NONBLOCK);
  expect_times_out_within(p.conn, 100ms);
  p.send("x");
  char c = 0;
  EXPECT_EQ(p.conn.read_some(&c, 1, deadline_after(1s)), 1U);
}

TEST(UnixSocket, DataBeforeTheDeadlineIsReturned) {
  Pair p;
  char buf[16];
  // Armed long first, then the data comes well before the deadline.
  expect_times_out_within(p.conn, 50ms);
  std::thread later([&] {
    std::this_thread::sleep_for(100ms);
    p.send("hello");
  });
  std::size_t n = 0;
  auto t = took([&] { n = p.conn.read_some(buf, sizeof buf, deadline_after(5s)); });
  later.join();
  EXPECT_EQ(std::string(buf, n), "hello");
  EXPECT_LT(t, 2s);
}

TEST(UnixSocket, PassedDeadlineStillTakesDataThatIsThere) {
  Pair p;
  p.send("abc");
  char buf[16];
  std::size_t n = p.conn.read_some(buf, sizeof buf, Clock::now() - 1ms);
  EXPECT_EQ(std::string(buf, n), "abc");
  auto t = took(
      [&] { EXPECT_THROW((void)p.conn.read_some(buf, sizeof buf, Clock::now() - 1ms), pocketdock::TimeoutError); });
  EXPECT_LT(t, 50ms);
}

TEST(UnixSocket, EndOfStreamIsZero) {
  Pair p;
  ::close(p.peer);
  p.peer = -1;
  char buf[4];
  EXPECT_EQ(p.conn.read_some(buf, sizeof buf, deadline_after(1s)), 0U);
}

void on_signal(int) {}

TEST(UnixSocket, SignalsDoNotEndOrStretchAWait) {
  struct sigaction sa {};
  struct sigaction old {};
  sa.sa_handler = on_signal;  // no SA_RESTART: the recv returns EINTR
  sigemptyset(&sa.sa_mask);
  ASSERT_EQ(::sigaction(SIGUSR1, &sa, &old), 0);
  Pair p;
  std::chrono::milliseconds t{};
  bool timed_out = false;
  std::thread reader([&] {
    char buf[4];
    t = took([&] {
      try {
        (void)p.conn.read_some(buf, sizeof buf, deadline_after(400ms));
      } catch (const pocketdock::TimeoutError&) {
        timed_out = true;
      }
    });
  });
  for (int i = 0; i < 5; ++i) {
    std::this_thread::sleep_for(50ms);
    ::pthread_kill(reader.native_handle(), SIGUSR1);
  }
  reader.join();
  ::sigaction(SIGUSR1, &old, nullptr);
  EXPECT_TRUE(timed_out);
  EXPECT_GE(t, 400ms);
  EXPECT_LE(t, 400ms + kLate);
}

TEST(UnixSocket, InterruptWakesABlockedReader) {
  Pair p;
  std::size_t n = 99;
  std::chrono::milliseconds t{};
  std::thread reader([&] {
    char buf[4];
    t = took([&] { n = p.conn.read_some(buf, sizeof buf, deadline_after(10s)); });
  });
  std::this_thread::sleep_for(100ms);
  p.conn.interrupt();
  reader.join();
  EXPECT_EQ(n, 0U);
  EXPECT_LT(t, 2s);
}

TEST(UnixSocket, WaitReadable) {
  Pair p;
  auto t = took([&] { EXPECT_FALSE(p.conn.wait_readable(deadline_after(100ms))); });
  EXPECT_GE(t, 100ms);
  p.send("x");
  EXPECT_TRUE(p.conn.wait_readable(deadline_after(1s)));
}

TEST(UnixSocket, WriteTimesOutWhenThePeerStopsReading) {
  Pair p;
  std::string big(16 << 20, 'x');
  for (auto d : {200ms, 50ms}) {
    auto t = took([&] { EXPECT_THROW(p.conn.write_all(big, deadline_after(d)), pocketdock::TimeoutError); });
    EXPECT_GE(t, d);
    EXPECT_LE(t, d + kLate);
  }
}

TEST(UnixSocket, PassedDeadlineWriteThrowsAtOnce) {
  Pair p;
  TempFile f(10);
  EXPECT_THROW(p.conn.write_all("x", Clock::now() - 1ms), pocketdock::TimeoutError);
  EXPECT_THROW((void)p.conn.send_file(f.fd(), 0, 10, Clock::now() - 1ms), pocketdock::TimeoutError);
}

TEST(UnixSocket, SendFileSendsTheRangeAndStopsAtTheEndOfTheFile) {
  Pair p;
  TempFile f(300000);
  std::string got;
  std::thread reader([&] { got = read_exactly(p.peer, 300000 - 10); });
  EXPECT_EQ(p.conn.send_file(f.fd(), 10, 1000000, deadline_after(5s)), 300000U - 10);
  reader.join();
  EXPECT_TRUE(got == f.data().substr(10));
  // The file offset is not used or moved.
  EXPECT_EQ(::lseek(f.fd(), 0, SEEK_CUR), 300000);
}

TEST(UnixSocket, SendFileCopiesWhatCannotBeSpliced) {
  Pair p;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "from a pipe", 11), 11);
  ::close(fds[1]);
  EXPECT_EQ(p.conn.send_file(fds[0], 0, 100, deadline_after(2s)), 11U);
  ::close(fds[0]);
  EXPECT_EQ(read_exactly(p.peer, 11), "from a pipe");
}

TEST(UnixSocket, SendFileTimesOutWhenThePeerStopsReading) {
  Pair p;
  TempFile f(16 << 20);
  auto t = took([&] {
    EXPECT_THROW((void)p.conn.send_file(f.fd(), 0, f.data().size(), deadline_after(200ms)), pocketdock::TimeoutError);
  });
  EXPECT_GE(t, 200ms);
  EXPECT_LE(t, 200ms + kLate);
}

TEST(UnixSocket, SendFileToAClosedPeerIsAnErrorNotASignal) {
  Pair p;
  TempFile f(1 << 20);
  ::close(p.peer);
  p.peer = -1;
  EXPECT_THROW((void)p.conn.send_file(f.fd(), 0, f.data().size(), deadline_after(2s)),
               pocketdock::SocketCommunicationError);
  sigset_t pending;
  sigemptyset(&pending);
  ASSERT_EQ(::sigpending(&pending), 0);
  EXPECT_EQ(sigismember(&pending, SIGPIPE), 0);
  sigset_t mask;
  ASSERT_EQ(::pthread_sigmask(SIG_SETMASK, nullptr, &mask), 0);
  EXPECT_EQ(sigismember(&mask, SIGPIPE), 0) << "the signal mask is restored";
}

}  // namespace
