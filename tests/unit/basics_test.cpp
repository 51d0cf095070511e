#include "container_state.hpp"
#include "engine_api.hpp"
#include "http.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <set>

namespace {

using namespace pocketdock;
using namespace pocketdock::detail;

TEST(Units, ParseMemLimitReferenceExamples) {
  EXPECT_EQ(parse_mem_limit("1024"), 1024);
  EXPECT_EQ(parse_mem_limit("512b"), 512);
  EXPECT_EQ(parse_mem_limit("4k"), 4096);
  EXPECT_EQ(parse_mem_limit("256m"), 268435456);
  EXPECT_EQ(parse_mem_limit("1G"), 1073741824);
  EXPECT_EQ(parse_mem_limit("1t"), 1099511627776);
  EXPECT_EQ(parse_mem_limit("  128 m  "), 134217728);
  for (const char* bad : {"abc", "", "1gb", "1.5g", "-1", "m", "99999999999999999999"}) {
    EXPECT_THROW((void)parse_mem_limit(bad), InvalidArgument) << bad;
  }
  try {
    (void)parse_mem_limit("abc");
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(), "invalid memory limit: 'abc'");
  }
}

TEST(Units, FormatBytesReferenceExamples) {
  EXPECT_EQ(format_bytes(0), "0 B");
  EXPECT_EQ(format_bytes(-5), "0 B");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1024), "1.0 KB");
  EXPECT_EQ(format_bytes(42LL * 1024 * 1024), "42.0 MB");
  EXPECT_EQ(format_bytes(2LL * 1024 * 1024 * 1024), "2.0 GB");
  EXPECT_EQ(format_bytes(3LL << 40), "3.0 TB");
  EXPECT_EQ(format_bytes(100LL << 40), "100.0 TB");
}

TEST(Command, ShellPythonAndArgv) {
  EXPECT_EQ(Command("echo hi").resolve(""), (std::vector<std::string>{"sh", "-c", "echo hi"}));
  EXPECT_EQ(Command("print(1)").resolve("python"), (std::vector<std::string>{"python3", "-c", "print(1)"}));
  EXPECT_EQ(Command("x").resolve("ruby"), (std::vector<std::string>{"sh", "-c", "x"}));
  EXPECT_EQ(Command::argv({"ls", "-l"}).resolve("python"), (std::vector<std::string>{"ls", "-l"}));
  EXPECT_THROW((void)Command::argv({}), InvalidArgument);
}

TEST(Types, ExecResultOkAndEquality) {
  EXPECT_TRUE((ExecResult{.exit_code = 0}).ok());
  EXPECT_FALSE((ExecResult{.exit_code = 0, .timed_out = true}).ok());
  EXPECT_FALSE((ExecResult{}).ok());
  EXPECT_EQ((ExecResult{.exit_code = 1, .out = "a"}), (ExecResult{.exit_code = 1, .out = "a"}));
  EXPECT_EQ(std::string(to_string(OutputStream::out)), "stdout");
  EXPECT_EQ(std::string(to_string(OutputStream::err)), "stderr");
}

TEST(Http, UrlEncodingAndQuery) {
  EXPECT_EQ(url_encode("a b/c:d"), "a%20b%2Fc%3Ad");
  EXPECT_EQ(query_string({{"path", "/tmp/a b"}, {"x", "1"}}), "?path=%2Ftmp%2Fa%20b&x=1");
  EXPECT_EQ(query_string({}), "");
}

TEST(Http, ParseResponseHead) {
  auto h = parse_response_head("HTTP/1.1 101 UPGRADED\r\nContent-Type: x\r\nno colon line\r\nUpgrade:  tcp ");
  EXPECT_EQ(h.status, 101);
  EXPECT_EQ(h.reason, "UPGRADED");
  EXPECT_EQ(h.header("content-type"), "x");
  EXPECT_EQ(h.header("upgrade"), "tcp");
  EXPECT_THROW((void)parse_response_head(""), SocketCommunicationError);
  EXPECT_THROW((void)parse_response_head("GARBAGE"), SocketCommunicationError);
  EXPECT_THROW((void)parse_response_head("HTTP/1.1 abc"), SocketCommunicationError);
}

TEST(Http, DecodeChunked) {
  EXPECT_EQ(decode_chunked("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), "hello world");
  EXPECT_EQ(decode_chunked("\r\n5\r\nhello\r\n"), "hello");
}

TEST(Http, RequestFormat) {
  auto r = format_request("POST", "/test", R"({"a": 1234567})", "", {});
  EXPECT_NE(r.find("POST /test HTTP/1.1\r\n"), std::string::npos);
  EXPECT_NE(r.find("Host: localhost\r\n"), std::string::npos);
  EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(r.find("Content-Length: 14\r\n"), std::string::npos);
  auto g = format_request("GET", "/x", "", "", {});
  EXPECT_EQ(g.find("Content-Length"), std::string::npos);
}

template <class E>
void expect_mapped(ApiOp op, int status, const std::string& body, const std::string& cid = "c1",
                   const std::string& subject = "s") {
  try {
    throw_api_error(op, status, body, cid, subject);
  } catch (const E& e) {
    EXPECT_EQ(e.http_status(), status);
    EXPECT_EQ(e.operation(), to_string(op));
    return;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception for " << to_string(op) << " " << status << ": " << e.what();
    return;
  }
}

TEST(ErrorMapping, StatusAndBodyToExceptions) {
  expect_mapped<ContainerNotFound>(ApiOp::container_inspect, 404, R"({"message":"No such container: c1"})");
  expect_mapped<ContainerNotFound>(ApiOp::exec_create, 404,
                                   R"({"cause":"no such container","message":"x","response":404})");
  expect_mapped<ContainerNotRunning>(ApiOp::exec_create, 409, R"({"message":"Container c1 is not running"})");
  expect_mapped<ContainerNotRunning>(
      ApiOp::exec_create, 500,
      R"({"cause":"container state improper","message":"can only create exec sessions on running containers: container state improper"})");
  expect_mapped<ImageNotFound>(ApiOp::container_create, 404, R"({"message":"No such image: x"})");
  expect_mapped<ImageNotFound>(ApiOp::image_save, 404, R"({"message":"nope"})");
  expect_mapped<FileNotFound>(ApiOp::archive_get, 404, R"({"message":"Could not find the file /x in container c1"})");
  expect_mapped<ContainerNotFound>(ApiOp::archive_get, 404, R"({"message":"No such container: c1"})");
  expect_mapped<ContainerNameInUse>(ApiOp::container_create, 409,
                                    R"({"message":"Conflict. The container name \"/x\" is already in use"})");
  expect_mapped<InvalidArgument>(ApiOp::container_create, 400, R"({"message":"invalid reference format"})");
  expect_mapped<SocketCommunicationError>(ApiOp::container_start, 500, R"({"message":"boom"})");
  expect_mapped<SocketCommunicationError>(ApiOp::container_start, 500, "not json at all");
}

// A call by the id a handle holds finds its container gone; a lookup by name finds none.
TEST(ErrorMapping, MissingContainerByIdIsGoneByNameIsNotFound) {
  const std::string docker = R"({"message":"No such container: c1"})";
  const std::string podman =
      R"({"cause":"no such container","message":"no container with name or ID \"c1\" found: no such container","response":404})";
  for (ApiOp op : {ApiOp::container_inspect, ApiOp::exec_create, ApiOp::archive_get, ApiOp::archive_put,
                   ApiOp::container_stats, ApiOp::container_remove}) {
    for (const auto& body : {docker, podman}) {
      try {
        throw_api_error(op, 404, body, "c1");
        ADD_FAILURE() << "no exception";
      } catch (const ContainerGone& e) {
        EXPECT_EQ(e.container_id(), "c1");
        EXPECT_NE(std::string(e.what()).find("removed"), std::string::npos) << e.what();
      }
    }
  }
  try {
    throw_api_error(ApiOp::container_inspect, 404, docker, "", "pd-missing");
    ADD_FAILURE() << "no exception";
  } catch (const ContainerNotFound& e) {
    EXPECT_EQ(dynamic_cast<const ContainerGone*>(&e), nullptr) << e.what();
    EXPECT_EQ(e.container_id(), "pd-missing");
  }
}

TEST(ErrorMapping, MessagesCarryContext) {
  try {
    throw_api_error(ApiOp::container_inspect, 404, R"({"message":"No such container: abc"})", "", "abc");
  } catch (const ContainerNotFound& e) {
    EXPECT_EQ(e.container_id(), "abc");
    EXPECT_EQ(e.engine_message(), "No such container: abc");
    EXPECT_NE(std::string(e.what()).find("Container abc: not found"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("container inspect"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::string(ProjectNotInitialized().what()),
            "No .pocketdock/ project directory found. Run `pocketdock init` first.");
  EXPECT_EQ(std::string(ImageNotFound("img").what()), "Image not found: img");
  EXPECT_EQ(std::string(SocketConnectionError("/x.sock", "refused").what()),
            "Cannot connect to socket at /x.sock: refused");
}

TEST(Discovery, CandidateOrder) {
  ::setenv("POCKETDOCK_SOCKET", "/p.sock", 1);
  ::setenv("CONTAINER_HOST", "unix:///c.sock", 1);
  ::setenv("DOCKER_HOST", "tcp://1.2.3.4:2375", 1);
  ::setenv("XDG_RUNTIME_DIR", "/run/user/77", 1);
  auto c = engine_candidates();
  std::vector<std::string> paths;
  for (auto& x : c) paths.push_back(x.socket_path);
  EXPECT_EQ(paths, (std::vector<std::string>{"/p.sock", "/c.sock", "/run/user/77/podman/podman.sock",
                                             "/run/podman/podman.sock", "/var/run/docker.sock"}));
  ::setenv("DOCKER_HOST", "unix:///d.sock", 1);
  ::unsetenv("XDG_RUNTIME_DIR");
  c = engine_candidates();
  EXPECT_EQ(c[2].socket_path, "/d.sock");
  EXPECT_EQ(c[3].socket_path, "/run/user/" + std::to_string(::getuid()) + "/podman/podman.sock");
  auto explicit_only = engine_candidates("unix:///only.sock");
  ASSERT_EQ(explicit_only.size(), 1U);
  EXPECT_EQ(explicit_only[0].socket_path, "/only.sock");
  ::unsetenv("POCKETDOCK_SOCKET");
  ::unsetenv("CONTAINER_HOST");
  ::unsetenv("DOCKER_HOST");
}

TEST(CreateBody, ReferenceLabelsLimitsPortsVolumes) {
  CreateOptions o{.image = "img",
                  .mem_limit = "128m",
                  .cpu_percent = 50,
                  .volumes = {{"/host", "/container"}},
                  .devices = {"/dev/fuse"},
                  .ports = {{8080, 80}},
                  .env = {{"A", "1"}},
                  .network = false};
  auto b = container_create_body(o, "pd-12345678", "img", "proj", "/data", "2026-01-01T00:00:00.000000+00:00");
  EXPECT_EQ(b["Cmd"], (nlohmann::json{"sleep", "infinity"}));
  EXPECT_EQ(b["Labels"]["pocketdock.managed"], "true");
  EXPECT_EQ(b["Labels"]["pocketdock.instance"], "pd-12345678");
  EXPECT_EQ(b["Labels"]["pocketdock.project"], "proj");
  EXPECT_EQ(b["Labels"]["pocketdock.data-path"], "/data");
  EXPECT_EQ(b["HostConfig"]["Memory"], 134217728);
  EXPECT_EQ(b["HostConfig"]["NanoCpus"], 500000000);
  EXPECT_EQ(b["HostConfig"]["Binds"], (nlohmann::json{"/host:/container"}));
  EXPECT_EQ(b["HostConfig"]["Devices"][0]["CgroupPermissions"], "rwm");
  EXPECT_EQ(b["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"], "8080");
  EXPECT_EQ(b["HostConfig"]["PortBindings"]["80/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_TRUE(b["ExposedPorts"].contains("80/tcp"));
  EXPECT_EQ(b["HostConfig"]["NetworkMode"], "none");
  EXPECT_EQ(b["HostConfig"]["Init"], true);
  EXPECT_EQ(b["Env"], (nlohmann::json{"A=1"}));
}

TEST(CreateBody, EveryPocketdockLabelIsSetSoAnImagesValueNeverShowsThrough) {
  auto b = container_create_body({}, "pd-12345678", "img", "", "", "2026-01-01T00:00:00.000000+00:00");
  for (const char* key : kOwnLabels) EXPECT_TRUE(b["Labels"].contains(key)) << key;
  EXPECT_EQ(b["Labels"]["pocketdock.project"], "");
  EXPECT_EQ(b["Labels"]["pocketdock.data-path"], "");
  EXPECT_EQ(b["Labels"]["pocketdock.persist"], "false");
}

TEST(CreateBody, ValidationRejectsBadOptions) {
  EXPECT_THROW(validate_create_options({.image = "Not An Image"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.mem_limit = "0"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.env = {{"A=B", "x"}}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.user = "a b"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.labels = {{"a=b", "x"}}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.devices = {"dev/fuse"}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.project = "../up"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.mem_limit = "lots"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.cpu_percent = 0}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.cpu_percent = 100000}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.ports = {{0, 0}}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.ports = {{65536, 80}}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.volumes = {{"/a", "rel"}}}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.name = "-bad"}), InvalidArgument);
  EXPECT_THROW(validate_create_options({.labels = {{"pocketdock.managed", "false"}}}), InvalidArgument);
  EXPECT_NO_THROW(validate_create_options({.mem_limit = "64m", .cpu_percent = 25, .ports = {{0, 80}}}));
}

TEST(Naming, GeneratedNamesAreUnique) {
  std::set<std::string> names;
  for (int i = 0; i < 50; ++i) {
    auto n = generate_name();
    EXPECT_TRUE(std::regex_match(n, std::regex("pd-[0-9a-f]{8}"))) << n;
    names.insert(n);
  }
  EXPECT_EQ(names.size(), 50U);
}

TEST(Profiles, ResolveAndList) {
  EXPECT_EQ(resolve_profile("dev").image_tag, "pocketdock/dev");
  EXPECT_TRUE(resolve_profile("dev").network_default);
  auto all = list_profiles();
  ASSERT_EQ(all.size(), 7U);
  EXPECT_EQ(all[0].name, "minimal-python");
  try {
    (void)resolve_profile("nope");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(std::string(e.what()),
              "Unknown profile 'nope'. Known profiles: agent, dev, embedded, minimal-bun, minimal-node, "
              "minimal-python, minimal-shell");
  }
}

}  // namespace
