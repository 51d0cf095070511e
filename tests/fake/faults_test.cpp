// The fault suite (issue 14): every way an engine can fail a call, each giving its typed error
// within its deadline, leaving no thread or fd behind, and leaving the same Container usable
// once the engine answers again. Each fault is served once; the next request gets a good answer.
#include "support/fake_engine.hpp"

#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::FakeHandler;
using pdtest::frame;
using ::testing::HasSubstr;

namespace {

constexpr const char* kMounts = "overlay / overlay rw 0 0\n";
constexpr const char* kExecStart = "/exec/exec1/start";

struct Census {
  long fds = 0;
  long threads = 0;
};

long entries(const char* dir) {
  long n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

Census census() { return {entries("/proc/self/fd"), entries("/proc/self/task")}; }

/// A tar holding one file `x` with `data`.
std::string one_file_tar(const std::string& data) {
  std::string header(512, '\0');
  auto put = [&](std::size_t at, const std::string& text) { header.replace(at, text.size(), text); };
  put(0, "x");
  put(100, "0000644");
  put(108, "0000000");
  put(116, "0000000");
  put(124, fmt::format("{:011o}", data.size()));
  put(136, "00000000000");
  put(156, "0");
  put(257, "ustar");
  put(263, "00");
  put(148, "        ");
  unsigned sum = 0;
  for (char ch : header) sum += static_cast<unsigned char>(ch);
  put(148, fmt::format("{:06o}", sum) + std::string(1, '\0') + " ");
  std::string body = data + std::string((512 - data.size() % 512) % 512, '\0');
  return header + body + std::string(1024, '\0');
}

std::string hex(std::size_t n) { return fmt::format("{:x}", n); }

class Faults : public ::testing::Test {
 protected:
  void SetUp() override {
    before_ = census();
    engine_ = std::make_unique<FakeEngine>();
    pdtest::serve_container(*engine_);
    engine_->on("POST", "/exec", FakeEngine::json(201, R"({"Id":"exec1"})"));
    engine_->on("POST", kExecStart, FakeEngine::upgrade(frame(1, kMounts)));
    engine_->on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":0})"));
    engine_->on("GET", "/archive", FakeEngine::raw(pdtest::http_response(200, tar_, "application/x-tar")));
  }

  void TearDown() override {
    container_.reset();
    engine_.reset();
    // Threads and fds of the library (and of the fake, now joined) are gone: allow a moment for
    // threads that are ending to leave /proc.
    Census after = census();
    for (int i = 0; i < 100 && (after.fds != before_.fds || after.threads != before_.threads); ++i) {
      std::this_thread::sleep_for(20ms);
      after = census();
    }
    EXPECT_EQ(after.fds, before_.fds) << "leaked file descriptors";
    EXPECT_EQ(after.threads, before_.threads) << "leaked threads";
  }

  FakeEngine& engine() { return *engine_; }

  pocketdock::Container& container(std::chrono::milliseconds api_timeout = 1500ms) {
    container_.emplace(
        pocketdock::create_new_container(pdtest::fake_container_options(*engine_, "pd-faults", api_timeout)));
    return *container_;
  }

  /// Serves `fault` once on the route, then good answers again.
  void fault_once(const std::string& method, const std::string& path, FakeHandler fault, FakeHandler good) {
    engine_->on(method, path, FakeEngine::once(std::move(fault), std::move(good)));
  }
  void exec_start_fault(FakeHandler fault) {
    fault_once("POST", kExecStart, std::move(fault), FakeEngine::upgrade(frame(1, kMounts)));
  }
  void exec_create_fault(FakeHandler fault) {
    fault_once("POST", "abc123abc123abc123/exec", std::move(fault), FakeEngine::json(201, R"({"Id":"exec1"})"));
  }
  void exec_inspect_fault(FakeHandler fault) {
    fault_once("GET", "/exec/", std::move(fault), FakeEngine::json(200, R"({"Running":false,"ExitCode":0})"));
  }
  void archive_fault(FakeHandler fault) {
    fault_once("GET", "/archive", std::move(fault),
               FakeEngine::raw(pdtest::http_response(200, tar_, "application/x-tar")));
  }

  /// Runs `call`, expecting `E` within `[min, max]`; returns the message.
  template <class E, class F>
  std::string expect_error(F&& call, std::chrono::milliseconds max, std::chrono::milliseconds min = 0ms) {
    auto t0 = std::chrono::steady_clock::now();
    std::string what;
    try {
      call();
      ADD_FAILURE() << "no error";
    } catch (const E& e) {
      what = e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "wrong error type: " << e.what();
    }
    auto took = std::chrono::steady_clock::now() - t0;
    EXPECT_LE(took, max) << what;
    EXPECT_GE(took, min) << what;
    return what;
  }

  /// The same handle works once the engine answers well again.
  void expect_recovered() {
    auto r = container_->run("true");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, kMounts);
    EXPECT_EQ(container_->read_file("/x"), "file content");
  }

  std::string tar_ = one_file_tar("file content");

 private:
  Census before_;
  std::unique_ptr<FakeEngine> engine_;
  std::optional<pocketdock::Container> container_;
};

TEST_F(Faults, ConnectionRefusedOnCreateIsPodmanNotRunning) {
  // A socket file with nothing listening behind it.
  std::string path = engine().dir() + "/dead.sock";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
  auto what = expect_error<pocketdock::PodmanNotRunning>(
      [&] { (void)pocketdock::create_new_container({.image = "img", .engine = {.socket = path}}); }, 2s);
  EXPECT_THAT(what, HasSubstr(path));
}

TEST_F(Faults, ConnectionRefusedMidLifeThenTheEngineComesBack) {
  auto& c = container();
  engine().stop_listening();
  expect_error<pocketdock::SocketConnectionError>([&] { (void)c.run("true"); }, 1s);
  expect_error<pocketdock::SocketConnectionError>([&] { (void)c.read_file("/x"); }, 1s);
  engine().listen_again();
  expect_recovered();
}

TEST_F(Faults, ResetInsideAResponseHead) {
  auto& c = container();
  // A request/response call (exec create) and a raw one (exec start, then an archive download).
  exec_create_fault(FakeEngine::raw("HTTP/1.1 201 Created\r\nContent-Ty"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  exec_start_fault(FakeEngine::raw("HTTP/1.1 101 UPGRADED\r\nUpgra"));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  EXPECT_THAT(what, HasSubstr("inside the response head"));
  archive_fault(FakeEngine::raw("HTTP/1.1 200 OK\r\nContent-Type: appl"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  expect_recovered();
}

TEST_F(Faults, ResetInsideAChunkedBody) {
  auto& c = container();
  exec_inspect_fault(FakeEngine::raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"Running\":fa"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  archive_fault(FakeEngine::raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + hex(tar_.size()) + "\r\n" +
                                tar_.substr(0, 700)));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  EXPECT_THAT(what, HasSubstr("closed the connection inside the body"));
  expect_recovered();
}

TEST_F(Faults, ResetInsideAnExecStream) {
  auto& c = container();
  exec_start_fault(FakeEngine::upgrade(frame(1, "complete") + frame(1, "cut here").substr(0, 11)));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  EXPECT_THAT(what, HasSubstr("cut inside a frame"));
  expect_recovered();
}

TEST_F(Faults, ResetInsideAnArchiveDownload) {
  auto& c = container();
  std::string whole = pdtest::http_response(200, tar_, "application/x-tar");
  archive_fault(FakeEngine::raw(whole.substr(0, whole.size() - tar_.size() + 600)));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  EXPECT_THAT(what, HasSubstr("closed the connection inside the body"));
  expect_recovered();
}

TEST_F(Faults, MalformedJson) {
  auto& c = container();
  exec_create_fault(FakeEngine::json(201, R"({"Id": "exec1")"));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  EXPECT_THAT(what, HasSubstr("malformed JSON"));
  exec_inspect_fault(FakeEngine::json(200, "[1, 2"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  expect_recovered();
}

TEST_F(Faults, FrameAnnouncingMoreBytesThanEverArrive) {
  auto& c = container();
  std::string header = frame(1, "").substr(0, 4) + std::string("\x00\x10\x00\x00", 4);  // 1 MiB announced
  exec_start_fault(FakeEngine::upgrade(header + "only this"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  // The same, but the engine then keeps the connection open: the run's own timeout ends it.
  exec_start_fault([header](const pdtest::FakeRequest&, pocketdock::detail::UnixConnection& conn, FakeEngine& e) {
    conn.write_all("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n" + header + "only this",
                   pocketdock::detail::deadline_after(1s));
    e.wait_until_stopped();
    return false;
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.run("true", {.timeout = 1s});
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.out, "only this");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  expect_recovered();
}

TEST_F(Faults, OversizedFrameIsCappedByMaxOutput) {
  // No frame is held whole: a 4 GiB frame is delivered as it arrives and kept up to max_output.
  auto& c = container();
  std::string header = frame(1, "").substr(0, 4) + std::string("\xFF\xFF\xFF\xFF", 4);
  exec_start_fault(FakeEngine::upgrade(header + std::string(3 << 20, 'x')));
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.run("true", {.max_output = 1 << 20});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.out.size(), std::size_t{1} << 20);
  expect_recovered();
}

TEST_F(Faults, ResponseHeadOverTheCap) {
  auto& c = container();
  std::string lines;
  while (lines.size() < 100 * 1024) lines += "X-Padding: " + std::string(1000, 'p') + "\r\n";
  // The raw paths cap a head at 64 KiB.
  exec_start_fault(FakeEngine::raw("HTTP/1.1 101 UPGRADED\r\n" + lines + "\r\n"));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  EXPECT_THAT(what, HasSubstr("larger than 64 KiB"));
  archive_fault(FakeEngine::raw("HTTP/1.1 200 OK\r\n" + lines + "\r\n"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  // A request/response call: one header line over cpp-httplib's 8 KiB line limit.
  exec_create_fault(FakeEngine::raw("HTTP/1.1 201 Created\r\nX-Big: " + std::string(100 * 1024, 'b') + "\r\n\r\n"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  expect_recovered();
}

TEST_F(Faults, ServerErrorWithANonJsonBody) {
  auto& c = container();
  // Like Go's net/http, an engine that closes after its answer says so (`Connection: close`).
  auto closing_500 = [](const std::string& body, const std::string& type) {
    return FakeEngine::raw(
        fmt::format("HTTP/1.1 500 X\r\nConnection: close\r\nContent-Type: {}\r\n"
                    "Content-Length: {}\r\n\r\n{}",
                    type, body.size(), body));
  };
  exec_create_fault(closing_500("upstream exploded\n", "text/plain"));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  EXPECT_THAT(what, HasSubstr("HTTP 500: upstream exploded"));
  archive_fault(closing_500("<html>bad gateway</html>", "text/html"));
  what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  EXPECT_THAT(what, HasSubstr("<html>bad gateway</html>"));
  expect_recovered();
}

TEST_F(Faults, EngineThatAcceptsAndNeverAnswers) {
  auto& c = container(1s);
  exec_create_fault(FakeEngine::silent());
  expect_error<pocketdock::TimeoutError>([&] { (void)c.run("true"); }, 3s, 900ms);
  exec_start_fault(FakeEngine::silent());
  expect_error<pocketdock::TimeoutError>([&] { (void)c.run("true"); }, 3s, 900ms);
  archive_fault(FakeEngine::silent());
  expect_error<pocketdock::TimeoutError>([&] { (void)c.read_file("/x"); }, 3s, 900ms);
  expect_recovered();
}

TEST_F(Faults, EngineThatTricklesOneByteASecondStillMeetsTheDeadline) {
  auto& c = container(1s);
  exec_create_fault(FakeEngine::trickle(pdtest::http_response(201, R"({"Id":"exec1"})"), 1s));
  expect_error<pocketdock::TimeoutError>([&] { (void)c.run("true"); }, 3500ms, 900ms);
  exec_start_fault(FakeEngine::trickle("HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\n", 1s));
  expect_error<pocketdock::TimeoutError>([&] { (void)c.run("true"); }, 3500ms, 900ms);
  expect_recovered();
}

TEST_F(Faults, ChunkedBodyWithABogusSizeLine) {
  auto& c = container();
  exec_inspect_fault(FakeEngine::raw(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{\"Running\":false,\"ExitCode\":0}\r\n0\r\n\r\n"));
  expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.run("true"); }, 1s);
  archive_fault(
      FakeEngine::raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n12x4\r\n" + tar_ + "\r\n0\r\n\r\n"));
  auto what = expect_error<pocketdock::SocketCommunicationError>([&] { (void)c.read_file("/x"); }, 1s);
  EXPECT_THAT(what, HasSubstr("malformed chunk size"));
  expect_recovered();
}

}  // namespace
