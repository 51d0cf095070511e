// The validators of caller-supplied values: what each accepts and what it rejects.
#include "validate.hpp"

#include <pocketdock/errors.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace pocketdock::detail;
using pocketdock::InvalidArgument;

const std::string kNul("a\0b", 3);

TEST(Validate, ContainerNames) {
  for (const char* ok : {"pd-1234abcd", "a", "A.b_c-d", "0x"}) EXPECT_NO_THROW(validate_container_name(ok)) << ok;
  for (const std::string& bad : {std::string(), std::string("-x"), std::string(".x"), std::string("a b"),
                                 std::string("a/b"), std::string(129, 'a'), std::string("a\nb"), kNul}) {
    EXPECT_THROW(validate_container_name(bad), InvalidArgument) << bad;
  }
}

TEST(Validate, ImageReferences) {
  for (const char* ok : {"pocketdock/minimal-shell", "busybox", "busybox:1.36", "registry:5000/repo",
                         "registry.example.com:5000/a/b:tag", "localhost/x_y__z", "docker.io/library/hardtag:tmp",
                         "a-b---c.d", "repo@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                         "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "x:Tag_1.2-3"}) {
    EXPECT_NO_THROW(validate_image_reference(ok)) << ok;
  }
  for (const std::string& bad :
       {std::string(), std::string("Upper/Case"), std::string("repo:"), std::string("a b"), std::string("a\tb"),
        std::string("repo:-tag"), std::string("/abs"), std::string("a//b"), std::string("a/"), std::string("-a"),
        std::string("repo@sha256:short"), std::string("repo@md5:0123"), std::string(600, 'a'), kNul,
        std::string("a:b:c"), std::string("--rm")}) {
    EXPECT_THROW(validate_image_reference(bad), InvalidArgument) << bad;
  }
}

TEST(Validate, LabelKeys) {
  for (const char* ok : {"a", "com.example.key", "pocketdock.test", "with space"}) {
    EXPECT_NO_THROW(validate_label_key(ok)) << ok;
  }
  for (const std::string& bad :
       {std::string(), std::string("a=b"), std::string("a\nb"), std::string(1025, 'k'), kNul}) {
    EXPECT_THROW(validate_label_key(bad), InvalidArgument) << bad;
  }
}

TEST(Validate, EnvironmentVariables) {
  EXPECT_NO_THROW(validate_env("A", ""));
  EXPECT_NO_THROW(validate_env("lower_1", "v=w with spaces"));
  EXPECT_THROW(validate_env("", "v"), InvalidArgument);
  EXPECT_THROW(validate_env("A=B", "v"), InvalidArgument);
  EXPECT_THROW(validate_env(kNul, "v"), InvalidArgument);
  EXPECT_THROW(validate_env("A", kNul), InvalidArgument);
}

TEST(Validate, Users) {
  for (const char* ok : {"root", "1000", "1000:1000", "nobody:nogroup", "user.name-x_y"}) {
    EXPECT_NO_THROW(validate_user(ok)) << ok;
  }
  for (const char* bad : {"", ":", "a:", ":b", "a:b:c", "a b", "a\n", "$(id)", "a;b"}) {
    EXPECT_THROW(validate_user(bad), InvalidArgument) << bad;
  }
}

TEST(Validate, Signals) {
  for (int ok : {1, 9, 15, 64}) EXPECT_NO_THROW(validate_signal(ok)) << ok;
  for (int bad : {0, -1, 65, 1000}) EXPECT_THROW(validate_signal(bad), InvalidArgument) << bad;
}

TEST(Validate, Ports) {
  EXPECT_NO_THROW(validate_port(1, false, "container"));
  EXPECT_NO_THROW(validate_port(65535, false, "container"));
  EXPECT_NO_THROW(validate_port(0, true, "host"));
  EXPECT_THROW(validate_port(0, false, "container"), InvalidArgument);
  EXPECT_THROW(validate_port(65536, true, "host"), InvalidArgument);
  EXPECT_THROW(validate_port(-1, true, "host"), InvalidArgument);
}

TEST(Validate, MemoryAndCpu) {
  for (const char* ok : {"256m", "1g", "6291456", "512 k"}) EXPECT_NO_THROW(validate_mem_limit(ok)) << ok;
  for (const char* bad : {"", "0", "0m", "lots", "-1m", "12x", "99999999999999999999"}) {
    EXPECT_THROW(validate_mem_limit(bad), InvalidArgument) << bad;
  }
  EXPECT_NO_THROW(validate_cpu_percent(1));
  EXPECT_NO_THROW(validate_cpu_percent(100));
  EXPECT_THROW(validate_cpu_percent(0), InvalidArgument);
  EXPECT_THROW(validate_cpu_percent(-5), InvalidArgument);
  EXPECT_THROW(validate_cpu_percent(1000000), InvalidArgument);
}

TEST(Validate, Paths) {
  EXPECT_NO_THROW(validate_absolute_path("/dev/null", "device path"));
  EXPECT_NO_THROW(validate_absolute_path("/a:b", "device path"));
  EXPECT_THROW(validate_absolute_path("/a:b", "volume host path", true), InvalidArgument);
  EXPECT_THROW(validate_absolute_path("", "device path"), InvalidArgument);
  EXPECT_THROW(validate_absolute_path("rel/x", "device path"), InvalidArgument);
  EXPECT_THROW(validate_absolute_path("/a" + kNul, "device path"), InvalidArgument);
}

TEST(Validate, DirectoryNames) {
  for (const char* ok : {"pd-1", "my project", "a..b"}) EXPECT_NO_THROW(validate_dir_name(ok, "instance name")) << ok;
  for (const std::string& bad : {std::string(), std::string("."), std::string(".."), std::string(".hidden"),
                                 std::string("a/b"), std::string("../x"), std::string("a\nb"), kNul}) {
    EXPECT_THROW(validate_dir_name(bad, "instance name"), InvalidArgument) << bad;
  }
}

TEST(Validate, RunOptions) {
  EXPECT_NO_THROW(validate_run_options({.env = {{"A", "1"}}, .workdir = "/tmp", .user = "1000:1000"}));
  EXPECT_THROW(validate_run_options({.env = {{"A=B", "1"}}}), InvalidArgument);
  EXPECT_THROW(validate_run_options({.workdir = "relative"}), InvalidArgument);
  EXPECT_THROW(validate_run_options({.user = "a b"}), InvalidArgument);
}

TEST(Validate, MessagesSayWhatIsWrong) {
  try {
    validate_signal(99);
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("signal 99 is outside 1-64"), std::string::npos) << e.what();
  }
  try {
    validate_image_reference("Bad Image");
    FAIL();
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("Bad Image"), std::string::npos) << e.what();
  }
}

}  // namespace
