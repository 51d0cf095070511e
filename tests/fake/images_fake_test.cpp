// Image build and load failure paths a real engine does not produce on demand: silence, a cut
// stream, a malformed answer.
#include "support/fake_engine.hpp"

#include <pocketdock/images.hpp>
#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace std::chrono_literals;
using pdtest::FakeEngine;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

// A build context directory inside the fake engine's temp dir (removed with it).
fs::path context_dir(const FakeEngine& e) {
  fs::path dir = fs::path(e.dir()) / "ctx";
  fs::create_directories(dir);
  std::ofstream(dir / "Dockerfile") << "FROM scratch\nCOPY a /a\n";
  std::ofstream(dir / "a") << "a\n";
  return dir;
}

std::string chunked_json_lines(const std::vector<std::string>& lines) {
  std::string body;
  for (const auto& l : lines) body += fmt::format("{:x}\r\n{}\n\r\n", l.size() + 1, l);
  return body;
}

const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

TEST(FakeImages, BuildSendsTheContextAsTarWithTheTag) {
  FakeEngine e;
  e.on("POST", "/build",
       FakeEngine::raw(kStreamHead +
                       chunked_json_lines({R"({"stream":"Step 1/2 : FROM scratch"})", R"({"stream":"\n"})",
                                           R"({"aux":{"ID":"sha256:feed"}})"}) +
                       "0\r\n\r\n"));
  std::vector<std::string> lines;
  std::string id = pocketdock::build_image(context_dir(e).string(),
                                           {.tag = "t1",
                                            .on_progress = [&](std::string_view l) { lines.emplace_back(l); },
                                            .engine = {.socket = e.socket_path()}});
  EXPECT_EQ(id, "sha256:feed");
  EXPECT_EQ(lines, std::vector<std::string>{"Step 1/2 : FROM scratch"});
  auto reqs = e.requests();
  auto it = std::find_if(reqs.begin(), reqs.end(),
                         [](const auto& r) { return r.target.find("/build") != std::string::npos; });
  ASSERT_NE(it, reqs.end());
  EXPECT_THAT(it->target, HasSubstr("t=t1"));
  EXPECT_EQ(it->headers["content-type"], "application/x-tar");
  EXPECT_THAT(it->body, HasSubstr("Dockerfile"));  // a tar names its members in clear
  EXPECT_THAT(it->body, HasSubstr("FROM scratch\nCOPY a /a\n"));
}

TEST(FakeImages, ErrorInsideA200StreamIsABuildError) {
  FakeEngine e;
  e.on("POST", "/build",
       FakeEngine::raw(
           kStreamHead +
           chunked_json_lines({R"({"stream":"STEP 1/2: FROM scratch\n"})",
                               R"({"errorDetail":{"message":"boom at step 2\n"},"error":"boom at step 2\n"})"}) +
           "0\r\n\r\n"));
  try {
    (void)pocketdock::build_image(context_dir(e).string(), {.tag = "t2", .engine = {.socket = e.socket_path()}});
    FAIL();
  } catch (const pocketdock::BuildError& err) {
    EXPECT_EQ(err.engine_message(), "boom at step 2");
    EXPECT_THAT(err.what(), HasSubstr("image build of t2 failed: boom at step 2"));
  }
}

TEST(FakeImages, SilentBuildHitsTheBuildTimeout) {
  FakeEngine e;
  e.on("POST", "/build", FakeEngine::silent());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW((void)pocketdock::build_image(context_dir(e).string(),
                                             {.tag = "t3", .timeout = 700ms, .engine = {.socket = e.socket_path()}}),
               pocketdock::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(FakeImages, BuildStreamCutIsAnError) {
  FakeEngine e;
  e.on("POST", "/build", FakeEngine::raw(kStreamHead + "40\r\n{\"stream\":\"STEP 1/2"));
  EXPECT_THROW(
      (void)pocketdock::build_image(context_dir(e).string(), {.tag = "t4", .engine = {.socket = e.socket_path()}}),
      pocketdock::SocketError);
}

TEST(FakeImages, LoadErrorInsideA200StreamIsAnError) {
  FakeEngine e;
  e.on(
      "POST", "/images/load",
      FakeEngine::raw(kStreamHead +
                      chunked_json_lines({R"({"errorDetail":{"message":"unexpected EOF"},"error":"unexpected EOF"})"}) +
                      "0\r\n\r\n"));
  fs::path file = fs::path(e.dir()) / "x.tar";
  std::ofstream(file) << "not really a tar";
  try {
    (void)pocketdock::import_images(file, {.socket = e.socket_path()});
    FAIL();
  } catch (const pocketdock::PocketDockError& err) {
    EXPECT_THAT(err.what(), HasSubstr("image load failed: unexpected EOF"));
  }
}

}  // namespace
