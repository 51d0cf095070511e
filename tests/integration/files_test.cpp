// File operations against a real engine (issues 4 and 13): write/read/list/push/pull on Podman
// and Docker, hostile containers included (escaping links, huge files, option-like paths) and
// files on tmpfs mounts.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using pocketdock::Command;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

class HostTempDir {
 public:
  HostTempDir() {
    char tmpl[] = "/tmp/pdfiles-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp");
    path_ = tmpl;
  }
  ~HostTempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  HostTempDir(const HostTempDir&) = delete;
  HostTempDir& operator=(const HostTempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_host(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
}

std::string read_host(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string host_sha256(const fs::path& p) {
  std::string cmd = "sha256sum '" + p.string() + "'";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (f == nullptr) return "";
  std::array<char, 128> buf{};
  std::string out;
  while (std::fgets(buf.data(), buf.size(), f) != nullptr) out += buf.data();
  ::pclose(f);
  return out.substr(0, 64);
}

long status_kib(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field) + 1));
  }
  return -1;
}

class FilesTest : public pdtest::SharedContainerTest {};

// ---- reference scenarios (behaviour.md 6.1) ----

TEST_F(FilesTest, WriteThenReadText) {
  container().write_file("/tmp/hello.txt", "hello world");
  EXPECT_EQ(container().read_file("/tmp/hello.txt"), "hello world");
}

TEST_F(FilesTest, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  container().write_file("/tmp/bytes.bin", bytes);
  EXPECT_EQ(container().read_file("/tmp/bytes.bin"), bytes);
  auto r = container().run(Command::argv({"wc", "-c", "/tmp/bytes.bin"}));
  EXPECT_THAT(r.out, HasSubstr("256"));
}

TEST_F(FilesTest, WriteCreatesMissingParents) {
  std::string dir = "/tmp/" + pdtest::unique_name("deep");
  container().write_file(dir + "/a/b/c/deep.txt", "nested");
  EXPECT_EQ(container().read_file(dir + "/a/b/c/deep.txt"), "nested");
  auto r = container().run(Command::argv({"stat", "-c", "%A", dir + "/a/b"}));
  EXPECT_EQ(r.out, "drwxr-xr-x\n");
}

TEST_F(FilesTest, OverwriteReplacesContent) {
  container().write_file("/tmp/over.txt", "first, and longer");
  container().write_file("/tmp/over.txt", "second");
  EXPECT_EQ(container().read_file("/tmp/over.txt"), "second");
}

TEST_F(FilesTest, ModeIsApplied) {
  container().write_file("/tmp/run.sh", "#!/bin/sh\necho ran\n", 0755);
  auto r = container().run(Command::argv({"/tmp/run.sh"}));
  EXPECT_EQ(r.out, "ran\n");
  EXPECT_EQ(container().run(Command::argv({"stat", "-c", "%a", "/tmp/run.sh"})).out, "755\n");
}

TEST_F(FilesTest, ReadMissingIsFileNotFound) {
  EXPECT_THROW((void)container().read_file("/tmp/no-such-file.txt"), pocketdock::FileNotFound);
}

TEST_F(FilesTest, ReadDirectoryIsAClearError) {
  try {
    (void)container().read_file("/tmp");
    FAIL() << "no error";
  } catch (const pocketdock::InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("is a directory"));
  }
}

TEST_F(FilesTest, WriteOntoADirectoryIsRefused) {
  std::string dir = "/tmp/" + pdtest::unique_name("isdir");
  container().write_file(dir + "/inside.txt", "keep");
  EXPECT_THROW(container().write_file(dir, "x"), pocketdock::InvalidArgument);
  EXPECT_EQ(container().read_file(dir + "/inside.txt"), "keep");
  EXPECT_THROW(container().write_file("/etc/passwd/x", "x"), pocketdock::InvalidArgument);
}

TEST_F(FilesTest, ReadFollowsASymlink) {
  container().write_file("/tmp/link-target.txt", "through the link");
  ASSERT_TRUE(container().run(Command::argv({"ln", "-sf", "link-target.txt", "/tmp/the-link"}), {.user = "root"}).ok());
  EXPECT_EQ(container().read_file("/tmp/the-link"), "through the link");
}

TEST_F(FilesTest, UnicodeTextRoundTrips) {
  std::string text = "Unicode: éàü 你好 🚀";
  container().write_file("/tmp/unicode.txt", text);
  EXPECT_EQ(container().read_file("/tmp/unicode.txt"), text);
}

TEST_F(FilesTest, ListFilesDefaultHome) {
  auto names = container().list_files();
  EXPECT_THAT(names, Not(Contains(".")));
}

TEST_F(FilesTest, ListFilesShowsWrittenAndHidden) {
  container().write_file("/tmp/listed.txt", "x");
  container().write_file("/tmp/.hidden-listed", "x");
  auto names = container().list_files("/tmp");
  EXPECT_THAT(names, Contains("listed.txt"));
  EXPECT_THAT(names, Contains(".hidden-listed"));
  EXPECT_THAT(names, Not(Contains(".")));
  EXPECT_THAT(names, Not(Contains("..")));
}

TEST_F(FilesTest, ListMissingDirIsFileNotFound) {
  EXPECT_THROW((void)container().list_files("/no/such/dir"), pocketdock::FileNotFound);
}

TEST_F(FilesTest, ListEntriesHasTypesAndModes) {
  std::string dir = "/tmp/" + pdtest::unique_name("entries");
  container().write_file(dir + "/f.txt", "12345", 0640);
  container().write_file(dir + "/sub/x", "x");
  ASSERT_TRUE(container().run(Command::argv({"ln", "-s", "f.txt", dir + "/l"}), {.user = "root"}).ok());
  auto entries = container().list_entries(dir);
  ASSERT_EQ(entries.size(), 3U);
  std::map<std::string, pocketdock::FileEntry> by_name;
  for (auto& e : entries) by_name[e.name] = e;
  EXPECT_EQ(by_name["f.txt"].type, pocketdock::FileType::file);
  EXPECT_EQ(by_name["f.txt"].size, 5U);
  EXPECT_EQ(by_name["f.txt"].mode, 0640U);
  EXPECT_GT(by_name["f.txt"].mtime.time_since_epoch().count(), 0);
  EXPECT_EQ(by_name["sub"].type, pocketdock::FileType::directory);
  EXPECT_EQ(by_name["l"].type, pocketdock::FileType::symlink);
  EXPECT_EQ(by_name["l"].link_target, "f.txt");
}

TEST_F(FilesTest, PushFileAndReadBack) {
  HostTempDir tmp;
  write_host(tmp.path() / "push.txt", "from host");
  std::string dest = "/tmp/" + pdtest::unique_name("pushed");
  container().push(tmp.path() / "push.txt", dest);
  EXPECT_EQ(container().read_file(dest), "from host");
}

TEST_F(FilesTest, PushDirectoryListsBoth) {
  HostTempDir tmp;
  fs::create_directory(tmp.path() / "d");
  write_host(tmp.path() / "d" / "a.txt", "a");
  write_host(tmp.path() / "d" / "b.txt", "b");
  std::string dest = "/tmp/" + pdtest::unique_name("pushdir");
  container().push(tmp.path() / "d", dest);
  auto names = container().list_files(dest);
  EXPECT_THAT(names, Contains("a.txt"));
  EXPECT_THAT(names, Contains("b.txt"));
}

TEST_F(FilesTest, PushIntoExistingDirectoryKeepsTheName) {
  HostTempDir tmp;
  write_host(tmp.path() / "named.txt", "n");
  std::string dest = "/tmp/" + pdtest::unique_name("into");
  container().write_file(dest + "/keep", "k");
  container().push(tmp.path() / "named.txt", dest);
  EXPECT_EQ(container().read_file(dest + "/named.txt"), "n");
}

TEST_F(FilesTest, PushDirectoryIntoExistingDirectoryNestsIt) {
  HostTempDir tmp;
  fs::create_directories(tmp.path() / "src" / "inner");
  write_host(tmp.path() / "src" / "inner" / "f.txt", "f");
  std::string dest = "/tmp/" + pdtest::unique_name("nest");
  container().write_file(dest + "/existing", "e");
  container().push(tmp.path() / "src", dest);  // docker cp: dest exists -> dest/src
  EXPECT_EQ(container().read_file(dest + "/src/inner/f.txt"), "f");
  container().push(tmp.path() / "src", dest + "/renamed");  // missing -> becomes dest/renamed
  EXPECT_EQ(container().read_file(dest + "/renamed/inner/f.txt"), "f");
}

TEST_F(FilesTest, PushMissingSourceIsFileNotFound) {
  EXPECT_THROW(container().push("/no/such/path", "/tmp/x"), pocketdock::FileNotFound);
}

TEST_F(FilesTest, PullFile) {
  container().write_file("/tmp/pull-me.txt", "pulled content");
  HostTempDir tmp;
  container().pull("/tmp/pull-me.txt", tmp.path() / "out" / "got.txt");
  EXPECT_EQ(read_host(tmp.path() / "out" / "got.txt"), "pulled content");
  // Into an existing directory: keeps the name.
  container().pull("/tmp/pull-me.txt", tmp.path());
  EXPECT_EQ(read_host(tmp.path() / "pull-me.txt"), "pulled content");
}

TEST_F(FilesTest, PullDirectory) {
  std::string dir = "/tmp/" + pdtest::unique_name("pulldir");
  ASSERT_TRUE(container().run(Command::argv({"mkdir", "-p", dir})).ok());
  container().write_file(dir + "/x.txt", "x");
  HostTempDir tmp;
  container().pull(dir, tmp.path() / "out");  // missing dest: receives the content
  EXPECT_TRUE(fs::is_directory(tmp.path() / "out"));
  EXPECT_EQ(read_host(tmp.path() / "out" / "x.txt"), "x");
  container().pull(dir, tmp.path() / "out");  // existing dest: gets the directory inside
  EXPECT_EQ(read_host(tmp.path() / "out" / fs::path(dir).filename() / "x.txt"), "x");
}

TEST_F(FilesTest, PullMissingIsFileNotFound) {
  HostTempDir tmp;
  EXPECT_THROW(container().pull("/tmp/definitely-missing", tmp.path() / "x"), pocketdock::FileNotFound);
}

TEST_F(FilesTest, PushPullRoundTrip) {
  HostTempDir tmp;
  write_host(tmp.path() / "in.txt", "sync host data");
  std::string dest = "/tmp/" + pdtest::unique_name("rt");
  container().push(tmp.path() / "in.txt", dest);
  container().pull(dest, tmp.path() / "back.txt");
  EXPECT_EQ(read_host(tmp.path() / "back.txt"), "sync host data");
}

// ---- modes, symlinks, hostile names ----

TEST_F(FilesTest, ExecutableScriptInPushedDirectoryRuns) {
  HostTempDir tmp;
  fs::create_directories(tmp.path() / "proj" / "bin");
  write_host(tmp.path() / "proj" / "bin" / "hello.sh", "#!/bin/sh\necho \"hello from $0\"\n");
  fs::permissions(tmp.path() / "proj" / "bin" / "hello.sh", fs::perms(0755));
  fs::create_symlink("bin/hello.sh", tmp.path() / "proj" / "run");
  std::string dest = "/tmp/" + pdtest::unique_name("proj");
  container().push(tmp.path() / "proj", dest);
  auto r = container().run(Command::argv({dest + "/bin/hello.sh"}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("hello from"));
  EXPECT_EQ(container().run(Command::argv({"readlink", dest + "/run"})).out, "bin/hello.sh\n");
  // And back: the mode and the symlink survive a pull.
  container().pull(dest, tmp.path() / "back");
  EXPECT_EQ(fs::status(tmp.path() / "back" / "bin" / "hello.sh").permissions() & fs::perms::owner_exec,
            fs::perms::owner_exec);
  EXPECT_TRUE(fs::is_symlink(tmp.path() / "back" / "run"));
  EXPECT_EQ(fs::read_symlink(tmp.path() / "back" / "run"), "bin/hello.sh");
}

TEST_F(FilesTest, HostileNameIsOnlyData) {
  // The '/' inside makes it a path: directory "a b $(touch ", then "tmp", then "pwned); c".
  const std::string name = "a b $(touch /tmp/pwned); c";
  const std::string top = "a b $(touch ";
  std::string dir = "/tmp/" + pdtest::unique_name("hostile");
  container().write_file(dir + "/" + name, "payload");
  EXPECT_EQ(container().read_file(dir + "/" + name), "payload");
  EXPECT_THAT(container().list_files(dir), Contains(top));
  EXPECT_THAT(container().list_files(dir + "/" + top + "/tmp"), Contains("pwned); c"));
  auto entries = container().list_entries(dir);
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0].name, top);
  EXPECT_EQ(entries[0].type, pocketdock::FileType::directory);
  HostTempDir tmp;
  fs::create_directories((tmp.path() / name).parent_path());
  write_host(tmp.path() / name, "host payload");
  container().push(tmp.path() / name, dir + "/" + name);
  EXPECT_EQ(container().read_file(dir + "/" + name), "host payload");
  container().push(tmp.path() / top, dir + "/copy");
  EXPECT_EQ(container().read_file(dir + "/copy/tmp/pwned); c"), "host payload");
  container().pull(dir + "/" + name, tmp.path() / "out" / name);
  EXPECT_EQ(read_host(tmp.path() / "out" / name), "host payload");
  container().pull(dir, tmp.path() / "dirout");
  EXPECT_EQ(read_host(tmp.path() / "dirout" / name), "host payload");
  EXPECT_FALSE(container().run(Command::argv({"test", "-e", "/tmp/pwned"})).ok())
      << "/tmp/pwned exists in the container";
  EXPECT_FALSE(fs::exists("/tmp/pwned")) << "/tmp/pwned exists on the host";
}

TEST_F(FilesTest, NamesWithQuotesAndNewlines) {
  const std::string name = "it's \"quoted\"; `x`\nline2 *";
  std::string dir = "/tmp/" + pdtest::unique_name("odd");
  container().write_file(dir + "/" + name, "odd");
  EXPECT_EQ(container().read_file(dir + "/" + name), "odd");
  EXPECT_EQ(container().list_files(dir), std::vector<std::string>{name});
}

TEST_F(FilesTest, UnicodeNamesRoundTrip) {
  const std::string name = "file with spaces ünïcødé ✓.txt";
  HostTempDir tmp;
  fs::create_directory(tmp.path() / "u");
  write_host(tmp.path() / "u" / name, "u");
  std::string dest = "/tmp/" + pdtest::unique_name("uni");
  container().push(tmp.path() / "u", dest);
  EXPECT_THAT(container().list_files(dest), Contains(name));
  container().pull(dest, tmp.path() / "back");
  EXPECT_EQ(read_host(tmp.path() / "back" / name), "u");
}

TEST_F(FilesTest, PullOfASymlinkFollowsItOnBothEngines) {
  container().write_file("/tmp/sym-target.txt", "target content");
  ASSERT_TRUE(
      container().run(Command::argv({"ln", "-sf", "/tmp/sym-target.txt", "/tmp/sym-link"}), {.user = "root"}).ok());
  HostTempDir tmp;
  container().pull("/tmp/sym-link", tmp.path() / "got");
  EXPECT_FALSE(fs::is_symlink(tmp.path() / "got"));
  EXPECT_EQ(read_host(tmp.path() / "got"), "target content");
}

TEST_F(FilesTest, RelativePathIsRejected) {
  EXPECT_THROW(container().write_file("relative.txt", "x"), pocketdock::InvalidArgument);
}

TEST(FilesErrors, MissingContainerIsContainerNotFound) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  std::string id = c.id();
  c.write_file("/tmp/a.txt", "a");
  c.shutdown(true);  // removes the (ephemeral) container; the handle keeps its id
  EXPECT_THROW((void)c.read_file("/tmp/a.txt"), pocketdock::ContainerNotFound);
  EXPECT_THROW(c.write_file("/tmp/b.txt", "b"), pocketdock::ContainerNotFound);
  HostTempDir tmp;
  EXPECT_THROW(c.pull("/tmp/a.txt", tmp.path() / "a"), pocketdock::ContainerNotFound);
}

// ---- large files: streamed, bounded memory ----

TEST_F(FilesTest, LargeFileStreamsWithBoundedMemory) {
  HostTempDir tmp;
  fs::path big = tmp.path() / "big.bin";
  ASSERT_EQ(std::system(("head -c 268435456 /dev/urandom > '" + big.string() + "'").c_str()), 0);
  std::string sum = host_sha256(big);
  ASSERT_EQ(sum.size(), 64U);
  // Reset the peak-RSS counter, then measure the growth across push and pull.
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  long rss_before = status_kib("VmRSS:");
  std::string dest = "/tmp/" + pdtest::unique_name("big");
  container().push(big, dest);
  auto r = container().run(Command::argv({"sha256sum", dest}));
  EXPECT_EQ(r.out.substr(0, 64), sum);
  container().pull(dest, tmp.path() / "back.bin");
  long hwm_after = status_kib("VmHWM:");
  EXPECT_EQ(host_sha256(tmp.path() / "back.bin"), sum);
  long growth_kib = hwm_after - rss_before;
  std::printf("[ measure  ] 256 MiB push+pull: peak RSS growth %ld KiB\n", growth_kib);
  EXPECT_LT(growth_kib, 32 * 1024);
  (void)container().run(Command::argv({"rm", "-f", dest}));
}

// ---- issue 13: pull never leaves a way out, bounded reads, no argument injection, tmpfs ----

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
  HostTempDir home;
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
  HostTempDir host;
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

  HostTempDir host;
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
