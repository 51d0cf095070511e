#include <pocketdock/format.hpp>
#include <pocketdock/json.hpp>

#include <gtest/gtest.h>

namespace {

using namespace pocketdock;

TEST(Json, ExecResultRoundTripUsesReferenceNames) {
  ExecResult r{
      .exit_code = 137, .out = "o", .err = "e", .duration = Milliseconds(12.5), .timed_out = true, .oom_killed = true};
  nlohmann::json j = r;
  EXPECT_EQ(j["oom_killed"], true);
  EXPECT_EQ(j["stdout"], "o");
  EXPECT_EQ(j["stderr"], "e");
  EXPECT_EQ(j["duration_ms"], 12.5);
  EXPECT_EQ(j.get<ExecResult>(), r);
}

TEST(Json, InfoListItemReportProfileRoundTrip) {
  ContainerInfo info{
      .id = "abc",
      .name = "pd-1",
      .status = "running",
      .image = "img",
      .created_at = std::chrono::system_clock::from_time_t(1700000000) + std::chrono::microseconds(123456),
      .memory_usage = "1.0 MB",
      .pids = 2,
      .ports = {{8080, 80}},
      .processes = {{{"PID", "1"}, {"COMMAND", "sleep"}}}};
  nlohmann::json j = info;
  EXPECT_EQ(j["created_at"], "2023-11-14T22:13:20.123456+00:00");
  EXPECT_EQ(j["ports"]["8080"], 80);
  EXPECT_EQ(j.get<ContainerInfo>(), info);
  ContainerListItem item{.id = "abc", .name = "n", .status = "exited", .persist = true, .project = "p"};
  EXPECT_EQ(nlohmann::json(item).get<ContainerListItem>(), item);
  DoctorReport d{{"a"}, {"b", "c"}, 4};
  EXPECT_EQ(nlohmann::json(d).get<DoctorReport>(), d);
  ProfileInfo p{"n", "t", "d", true, "desc", "~1MB"};
  EXPECT_EQ(nlohmann::json(p).get<ProfileInfo>(), p);
  StreamChunk c{OutputStream::err, "x"};
  EXPECT_EQ(nlohmann::json(c)["stream"], "stderr");
  EXPECT_EQ(nlohmann::json(c).get<StreamChunk>(), c);
}

TEST(Format, ExecResult) {
  ExecResult r{.exit_code = 0, .out = "hi\n", .duration = Milliseconds(1.25)};
  EXPECT_EQ(
      fmt::format("{}", r),
      "ExecResult(exit_code=0, stdout=\"hi\\n\", stderr=\"\", duration_ms=1.2, timed_out=false, truncated=false)");
  EXPECT_EQ(fmt::format("{}", OutputStream::out), "stdout");
  EXPECT_EQ(fmt::format("{}", BufferSnapshot{"a", "b"}), "BufferSnapshot(stdout=\"a\", stderr=\"b\")");
}

}  // namespace
