// File methods against hostile containers (issue 13, items 4-6) and on tmpfs mounts: pull never
// leaves a way out, reads are bounded, no caller value becomes an option, tmpfs files work.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using pocketdock::Command;
using ::testing::Contains;
using ::testing::HasSubstr;

namespace {

class HostDir {
 public:
  HostDir() {
    char tmpl[] = "/tmp/pdsafety-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~HostDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  HostDir(const HostDir&) = delete;
  HostDir& operator=(const HostDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string read_host(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

/// Resets the peak RSS and returns the current RSS (KiB); `peak_growth_kib` reads the growth.
long start_memory_measure() {
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  return status_kib("VmRSS:");
}

long peak_growth_kib(long before) { return status_kib("VmHWM:") - before; }

void sh_root(pocketdock::Container& c, const std::string& script) {
  auto r = c.run(Command::argv({"sh", "-c", script}), {.user = "root"});
  ASSERT_TRUE(r.ok()) << script << ": " << r.err;
}

class FilesSafetyTest : public pdtest::SharedContainerTest {};

// ---- item 4: pull never leaves a way out ----

TEST_F(FilesSafetyTest, PullRefusesASymlinkOutOfThePulledTree) {
  std::string dir = "/tmp/" + pdtest::unique_name("esc");
  sh_root(container(), "mkdir -p " + dir + "/out/sub && echo data > " + dir + "/out/f && ln -s ../.ssh/id_rsa " + dir +
                           "/out/key && ln -s ../../x " + dir + "/out/sub/deep && ln -s ../f " + dir + "/out/sub/ok");
  HostDir home;
  fs::create_directories(home.path() / ".ssh");
  std::ofstream(home.path() / ".ssh" / "id_rsa") << "SECRET";
  try {
    container().pull(dir + "/out", home.path());
    FAIL() << "pull accepted a link out of the pulled tree";
  } catch (const pocketdock::UnsafeArchive& e) {
    EXPECT_THAT(e.rejected_entries(), Contains(HasSubstr("key: symlink leaves the pulled tree")));
    EXPECT_THAT(e.rejected_entries(), Contains(HasSubstr("deep: symlink leaves the pulled tree")));
    EXPECT_EQ(e.rejected_entries().size(), 2U);
  }
  EXPECT_FALSE(fs::exists(fs::symlink_status(home.path() / "out" / "key")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(home.path() / "out" / "sub" / "deep")));
  EXPECT_EQ(read_host(home.path() / "out" / "f"), "data\n") << "the safe entries are extracted first";
  EXPECT_EQ(fs::read_symlink(home.path() / "out" / "sub" / "ok"), "../f");
  EXPECT_EQ(read_host(home.path() / ".ssh" / "id_rsa"), "SECRET");
  (void)container().run(Command::argv({"rm", "-rf", dir}), {.user = "root"});
}

TEST_F(FilesSafetyTest, PullClearsSetuidAndWorldWriteUnlessExactModes) {
  std::string dir = "/tmp/" + pdtest::unique_name("modes");
  sh_root(container(), "mkdir -p " + dir + "/d && echo x > " + dir + "/d/suid && echo y > " + dir +
                           "/d/world && chmod 4755 " + dir + "/d/suid && chmod 0777 " + dir +
                           "/d/world && chmod 1777 " + dir + "/d");
  HostDir host;
  container().pull(dir + "/d", host.path() / "plain");
  auto mode = [](const fs::path& p) {
    struct stat st {};
    ::lstat(p.c_str(), &st);
    return st.st_mode & 07777U;
  };
  EXPECT_EQ(mode(host.path() / "plain"), 0775U);
  EXPECT_EQ(mode(host.path() / "plain" / "suid"), 0755U);
  EXPECT_EQ(mode(host.path() / "plain" / "world"), 0775U);

  container().pull(dir + "/d", host.path() / "exact", {.exact_modes = true});
  EXPECT_EQ(mode(host.path() / "exact" / "world"), 0777U);
  EXPECT_EQ(mode(host.path() / "exact" / "suid"), 04755U);
  EXPECT_EQ(mode(host.path() / "exact"), 01777U);
  (void)container().run(Command::argv({"rm", "-rf", dir}), {.user = "root"});
}

// ---- item 5: bounded reads ----

TEST_F(FilesSafetyTest, HugeSparseFileIsFileTooLargeWithBoundedMemory) {
  std::string path = "/tmp/" + pdtest::unique_name("huge");
  sh_root(container(), "truncate -s 50G " + path);
  long before = start_memory_measure();
  auto started = std::chrono::steady_clock::now();
  try {
    (void)container().read_file(path);
    FAIL() << "a 50G file was read";
  } catch (const pocketdock::FileTooLarge& e) {
    EXPECT_THAT(e.what(), HasSubstr("53687091200 bytes"));
  }
  long growth = peak_growth_kib(before);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  std::printf("[ measure  ] 50G sparse read_file: peak RSS growth %ld KiB, %lld ms\n", growth,
              static_cast<long long>(ms.count()));
  EXPECT_LT(growth, 16 * 1024);
  EXPECT_THROW((void)container().read_file(path, {.max_size = 1024}), pocketdock::FileTooLarge);
  // The container stays usable.
  container().write_file(path + ".small", "ok");
  EXPECT_EQ(container().read_file(path + ".small"), "ok");
  (void)container().run(Command::argv({"rm", "-f", path, path + ".small"}), {.user = "root"});
}

/// 64 MiB of "0123456789abcdef" repeated, made in the container.
constexpr std::uint64_t kStreamSize = 64ULL << 20;
constexpr char kPattern[] = "0123456789abcdef";

void make_pattern_file(pocketdock::Container& c, const std::string& path) {
  sh_root(c, "yes 0123456789abcde | head -c " + std::to_string(kStreamSize) + " > " + path);
}

/// A sink checking each byte against the pattern ("...cde\n" is 16 bytes: 0-e then newline).
struct PatternCheck {
  std::uint64_t seen = 0;
  std::uint64_t wrong = 0;
  void operator()(std::string_view data) {
    for (char ch : data) {
      char want = seen % 16 == 15 ? '\n' : kPattern[seen % 16];
      if (ch != want) ++wrong;
      ++seen;
    }
  }
};

TEST_F(FilesSafetyTest, ReadFileToStreamsWithBoundedMemory) {
  std::string path = "/tmp/" + pdtest::unique_name("stream");
  make_pattern_file(container(), path);
  EXPECT_THROW((void)container().read_file(path, {.max_size = kStreamSize - 1}), pocketdock::FileTooLarge);
  long before = start_memory_measure();
  PatternCheck check;
  container().read_file_to(path, [&](std::string_view d) { check(d); });
  long growth = peak_growth_kib(before);
  std::printf("[ measure  ] 64 MiB read_file_to: peak RSS growth %ld KiB\n", growth);
  EXPECT_EQ(check.seen, kStreamSize);
  EXPECT_EQ(check.wrong, 0U);
  EXPECT_LT(growth, 16 * 1024);
  // The measure sees growth where there is some: read_file holds the whole file.
  before = start_memory_measure();
  EXPECT_EQ(container().read_file(path, {.max_size = kStreamSize}).size(), kStreamSize);
  long held = peak_growth_kib(before);
  std::printf("[ measure  ] 64 MiB read_file: peak RSS growth %ld KiB\n", held);
  EXPECT_GT(held, 32 * 1024);
  // A sink that throws stops the transfer; its exception reaches the caller.
  EXPECT_THROW(container().read_file_to(path, [](std::string_view) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  EXPECT_THROW(container().read_file_to(path + ".missing", [](std::string_view) {}), pocketdock::FileNotFound);
  (void)container().run(Command::argv({"rm", "-f", path}), {.user = "root"});
}

// ---- item 6: no argument injection ----

TEST(FilesInjection, OptionLikePathsDeleteNothing) {
  auto options = pdtest::sandbox_options();
  options.workdir = "/victim";
  auto c = pocketdock::create_new_container(options);
  sh_root(c, "mkdir -p /victim/keep && echo 1 > /victim/a && echo 2 > /victim/keep/b && echo 3 > /victim/-delete");
  EXPECT_THROW((void)c.list_files("-delete"), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.list_entries("-delete"), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.list_files("keep"), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.list_files(std::string("/victim\0-delete", 15)), pocketdock::InvalidArgument);
  EXPECT_THROW((void)c.read_file(std::string("/victim/a\0b", 11)), pocketdock::InvalidArgument);
  EXPECT_THROW(c.write_file("-delete", "x"), pocketdock::InvalidArgument);
  // Normalised: "..", "." and repeated slashes are resolved lexically before use.
  EXPECT_EQ(c.list_files("/victim/keep/../keep/./"), std::vector<std::string>{"b"});
  auto names = c.list_files("/victim");
  EXPECT_EQ(names, (std::vector<std::string>{"-delete", "a", "keep"}));
  auto entries = c.list_entries("//victim/./keep/..");
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_EQ(entries[0].name, "-delete");
  EXPECT_EQ(entries[0].size, 2U);
  EXPECT_EQ(c.read_file("/victim/-delete"), "3\n");
  auto r = c.run(Command::argv({"cat", "/victim/a", "/victim/keep/b"}));
  EXPECT_EQ(r.out, "1\n2\n") << "nothing was deleted";
  c.shutdown(true);
}

// ---- tmpfs mounts: write_file/read_file go through sh and cat ----

TEST_F(FilesSafetyTest, TmpfsFilesAreWrittenAndReadExactly) {
  std::string dir = "/dev/shm/" + pdtest::unique_name("tmpfs");
  std::string binary("a\0b\r\n\x1b\xff\0", 8);
  binary += "no trailing newline";
  container().write_file(dir + "/sub/bin", binary, 0600);
  EXPECT_EQ(container().read_file(dir + "/sub/bin"), binary);
  auto entries = container().list_entries(dir + "/sub");
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].mode, 0600U);
  EXPECT_EQ(entries[0].size, binary.size());

  std::string big;
  big.reserve(5 << 20);
  for (std::size_t i = 0; big.size() < (5U << 20); ++i) big.push_back(static_cast<char>((i * 131U + i / 7U) & 0xFFU));
  container().write_file(dir + "/big", big);
  EXPECT_TRUE(container().read_file(dir + "/big") == big);
  std::string streamed;
  container().read_file_to(dir + "/big", [&](std::string_view d) { streamed.append(d); });
  EXPECT_TRUE(streamed == big);
  EXPECT_THROW((void)container().read_file(dir + "/big", {.max_size = 1 << 20}), pocketdock::FileTooLarge);

  container().write_file(dir + "/sub/bin", "replaced");
  EXPECT_EQ(container().read_file(dir + "/sub/bin"), "replaced");
  container().write_file(dir + "/empty", "");
  EXPECT_EQ(container().read_file(dir + "/empty"), "");
  EXPECT_THROW((void)container().read_file(dir + "/missing"), pocketdock::FileNotFound);
  EXPECT_THROW((void)container().read_file(dir), pocketdock::InvalidArgument);
  EXPECT_THROW(container().write_file(dir + "/sub", "x"), pocketdock::InvalidArgument);
  EXPECT_THAT(container().list_files(dir), (std::vector<std::string>{"big", "empty", "sub"}));

  HostDir host;
  try {
    container().pull(dir, host.path() / "shm");
    FAIL() << "pull of a tmpfs tree";
  } catch (const pocketdock::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("tmpfs"));
    EXPECT_THAT(e.what(), HasSubstr("mishandle"));
  }
  EXPECT_THROW(container().push(host.path(), dir + "/pushed"), pocketdock::InvalidArgument);
  (void)container().run(Command::argv({"rm", "-rf", dir}), {.user = "root"});
}

}  // namespace
