// BodyReader: every HTTP body framing, read off a real socket, with cuts and silence.
#include "body_reader.hpp"

#include <pocketdock/errors.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pocketdock::detail::BodyReader;
using pocketdock::detail::ResponseHead;
using pocketdock::detail::UnixConnection;
using ::testing::HasSubstr;

namespace {

/// The engine side of a socketpair: writes the given bytes from a thread, then closes (or not).
class Peer {
 public:
  Peer() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
    client_ = fds[0];  // blocking, as library connections are
    engine_ = fds[1];
  }
  ~Peer() {
    if (writer_.joinable()) writer_.join();
    if (engine_ >= 0) ::close(engine_);
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  void send(std::string bytes, bool then_close) {
    writer_ = std::thread([this, bytes = std::move(bytes), then_close] {
      std::string_view rest = bytes;
      while (!rest.empty()) {
        ssize_t n = ::send(engine_, rest.data(), rest.size(), MSG_NOSIGNAL);
        if (n <= 0) break;
        rest.remove_prefix(static_cast<std::size_t>(n));
      }
      if (then_close) {
        ::close(engine_);
        engine_ = -1;
      }
    });
  }
  [[nodiscard]] BodyReader reader(const ResponseHead& head, std::string leftover = {}) {
    return BodyReader(UnixConnection(client_), head, std::move(leftover), 500ms, "GET /test");
  }

 private:
  int client_ = -1;
  int engine_ = -1;
  std::thread writer_;
};

ResponseHead head_with(const std::string& key, const std::string& value) {
  ResponseHead h;
  h.status = 200;
  if (!key.empty()) h.headers[key] = value;
  return h;
}

std::string drain(BodyReader& body) {
  std::string out;
  for (std::string_view piece = body.next(); !piece.empty(); piece = body.next()) out.append(piece);
  return out;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

std::string hex(std::size_t n) {
  char b[32];
  std::snprintf(b, sizeof b, "%zx", n);
  return b;
}

}  // namespace

TEST(BodyReader, ContentLengthStopsAtTheLengthEvenIfMoreFollows) {
  Peer peer;
  std::string body = pattern(700000);
  peer.send(body.substr(10) + "GARBAGE", false);
  auto r = peer.reader(head_with("content-length", std::to_string(body.size())), body.substr(0, 10));
  EXPECT_EQ(drain(r), body);
  EXPECT_TRUE(r.next().empty());
}

TEST(BodyReader, ChunkedAcrossBufferEdgesWithExtensionsAndTrailers) {
  Peer peer;
  std::string body = pattern(1000000);
  std::string wire;
  // Odd chunk sizes, so chunk headers straddle the 256 KiB read buffer.
  for (std::size_t at = 0, size = 1; at < body.size(); at += size, size = size * 3 + 17) {
    std::string piece = body.substr(at, size);
    wire += hex(piece.size()) + (size % 2 == 0 ? ";name=value" : "") + "\r\n" + piece + "\r\n";
  }
  wire += "0\r\nX-Trailer: 1\r\n\r\n";
  peer.send(wire, false);  // stays open: the reader must stop at the last chunk by itself
  auto r = peer.reader(head_with("transfer-encoding", "chunked"));
  EXPECT_EQ(drain(r), body);
}

TEST(BodyReader, UntilCloseReadsEverything) {
  Peer peer;
  std::string body = pattern(300000);
  peer.send(body, true);
  auto r = peer.reader(head_with("", ""));
  EXPECT_EQ(drain(r), body);
}

TEST(BodyReader, EmptyBodies) {
  Peer peer;
  peer.send("0\r\n\r\n", false);
  auto chunked = peer.reader(head_with("transfer-encoding", "chunked"));
  EXPECT_TRUE(chunked.next().empty());
  Peer other;
  auto none = other.reader(head_with("content-length", "0"));
  EXPECT_TRUE(none.next().empty());
}

TEST(BodyReader, CutBodyIsACommunicationError) {
  Peer peer;
  peer.send(pattern(1000), true);
  auto r = peer.reader(head_with("content-length", "5000"));
  try {
    (void)drain(r);
    ADD_FAILURE() << "no error";
  } catch (const pocketdock::SocketCommunicationError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GET /test"));
  }
}

TEST(BodyReader, CutChunkedBodyIsACommunicationError) {
  Peer peer;
  peer.send("10\r\n0123456789", true);
  auto r = peer.reader(head_with("transfer-encoding", "chunked"));
  EXPECT_THROW((void)drain(r), pocketdock::SocketCommunicationError);
}

TEST(BodyReader, MalformedChunkSizeIsACommunicationError) {
  Peer peer;
  peer.send("zz\r\nabc\r\n0\r\n\r\n", false);
  auto r = peer.reader(head_with("transfer-encoding", "chunked"));
  EXPECT_THROW((void)r.next(), pocketdock::SocketCommunicationError);
  Peer other;
  other.send("3\r\nabcXY0\r\n\r\n", false);
  auto no_crlf = other.reader(head_with("transfer-encoding", "chunked"));
  EXPECT_EQ(no_crlf.next(), "abc");
  EXPECT_THROW((void)no_crlf.next(), pocketdock::SocketCommunicationError);
}

TEST(BodyReader, InvalidContentLengthIsACommunicationError) {
  Peer peer;
  EXPECT_THROW((void)peer.reader(head_with("content-length", "12x")), pocketdock::SocketCommunicationError);
}

TEST(BodyReader, SilentEngineTimesOutNamingTheRequest) {
  Peer peer;
  peer.send("5\r\nab", false);  // then nothing, connection open
  auto r = peer.reader(head_with("transfer-encoding", "chunked"));
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(r.next(), "ab");
  try {
    (void)r.next();
    ADD_FAILURE() << "no timeout";
  } catch (const pocketdock::TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("GET /test"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST(BodyReader, CloseEndsTheBody) {
  Peer peer;
  peer.send(pattern(100), false);
  auto r = peer.reader(head_with("content-length", "100000"));
  r.close();
  EXPECT_TRUE(r.next().empty());
}
