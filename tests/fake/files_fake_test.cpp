// File operations against the fake engine: hostile archives, error mapping, silence (issue 4).
#include "support/fake_engine.hpp"
#include "tar_writer.hpp"

#include <pocketdock/pocketdock.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pdtest::FakeEngine;
using pdtest::frame;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace {

// ---- a tar builder that can write anything, hostile entries included ----

class HostileTar {
 public:
  HostileTar() {
    a_ = archive_write_new();
    archive_write_set_format_pax_restricted(a_);
    archive_write_open_memory(a_, buffer_.data(), buffer_.size(), &used_);
  }
  ~HostileTar() { archive_write_free(a_); }
  HostileTar(const HostileTar&) = delete;
  HostileTar& operator=(const HostileTar&) = delete;

  HostileTar& dir(const std::string& path) { return add(path, AE_IFDIR, 0755, ""); }
  HostileTar& file(const std::string& path, const std::string& data) { return add(path, AE_IFREG, 0644, data); }
  HostileTar& symlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFLNK, 0777, "", &target);
  }
  HostileTar& hardlink(const std::string& path, const std::string& target) {
    return add(path, AE_IFREG, 0644, "", nullptr, &target);
  }
  HostileTar& special(const std::string& path, unsigned int type) { return add(path, type, 0644, ""); }
  std::string finish() {
    archive_write_close(a_);
    return std::string(buffer_.data(), used_);
  }

 private:
  HostileTar& add(const std::string& path, unsigned int type, int mode, const std::string& data,
                  const std::string* symlink = nullptr, const std::string* hardlink = nullptr) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, path.c_str());
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, static_cast<mode_t>(mode));
    archive_entry_set_size(e, static_cast<la_int64_t>(data.size()));
    if (symlink != nullptr) archive_entry_set_symlink(e, symlink->c_str());
    if (hardlink != nullptr) {
      archive_entry_set_hardlink(e, hardlink->c_str());
      archive_entry_set_size(e, 0);
    }
    archive_write_header(a_, e);
    if (!data.empty()) archive_write_data(a_, data.data(), data.size());
    archive_entry_free(e);
    return *this;
  }
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  size_t used_ = 0;
  archive* a_;
};

/// A 100 kB single-file archive, and the head of a Content-Length answer for it.
std::string big_tar_and_head(std::string& head) {
  HostileTar t;
  t.file("x", std::string(100000, 'x'));
  std::string tar = t.finish();
  head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nContent-Length: " + std::to_string(tar.size()) +
         "\r\n\r\n";
  return tar;
}

std::string fmt_hex(std::size_t n) {
  std::ostringstream ss;
  ss << std::hex << n;
  return ss.str();
}

std::string read_host(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Every path under `root` (not following symlinks), relative.
std::set<std::string> tree(const fs::path& root) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    out.insert(it->path().lexically_relative(root).string());
  }
  return out;
}

pdtest::FakeHandler tar_answer(std::string tar) {
  return [tar = std::move(tar)](const pdtest::FakeRequest&, pocketdock::detail::UnixConnection& c, FakeEngine&) {
    c.write_all(pdtest::http_response(200, tar, "application/x-tar"),
                pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return true;
  };
}

class FakeFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    engine.on("POST", "/containers/create", FakeEngine::json(201, R"({"Id":"abc123abc123abc123"})"));
    engine.on("POST", "/start", FakeEngine::empty(204));
    engine.on("GET", "/containers/abc123abc123abc123/json",
              FakeEngine::json(200, R"({"Id":"abc123abc123abc123","HostConfig":{"Runtime":"runc"}})"));
    engine.on("DELETE", "/containers/", FakeEngine::empty(204));
    engine.on("POST", "/exec", FakeEngine::json(201, R"({"Id":"exec1"})"));
    engine.on("POST", "/exec/exec1/start",
              FakeEngine::upgrade(frame(1, "overlay / overlay rw 0 0\nshm /dev/shm tmpfs rw 0 0\n")));
    engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":0})"));
    char tmpl[] = "/tmp/pdfakefiles-XXXXXX";
    base = ::mkdtemp(tmpl);
    fs::create_directories(base / "outside");
    std::ofstream(base / "outside" / "victim") << "original";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  pocketdock::Container make() {
    return pocketdock::create_new_container(
        {.image = "img", .name = "pd-fakefiles", .engine = {.socket = engine.socket_path(), .api_timeout = 2s}});
  }
  void expect_outside_untouched() {
    EXPECT_EQ(tree(base / "outside"), std::set<std::string>{"victim"});
    EXPECT_EQ(read_host(base / "outside" / "victim"), "original");
    std::set<std::string> top;
    for (const auto& e : fs::directory_iterator(base)) top.insert(e.path().filename().string());
    EXPECT_EQ(top, (std::set<std::string>{"dest", "outside"}));
  }
  FakeEngine engine;
  fs::path base;
};

TEST_F(FakeFiles, HostileDirectoryArchiveIsContained) {
  std::string abs = (base / "outside" / "abs.txt").string();
  std::string outside = (base / "outside").string();
  HostileTar t;
  t.dir("d/")
      .file("d/ok.txt", "safe")
      .file("d/../escape.txt", "dotdot")
      .file("../../escape2.txt", "dotdot")
      .file(abs, "absolute")
      .symlink("d/abslink", outside)
      .file("d/abslink/through.txt", "through an absolute link")
      .symlink("d/rellink", "../../outside")
      .file("d/rellink/through2.txt", "through a relative link")
      .hardlink("d/hard-out", "../outside/victim")
      .hardlink("d/hard-abs", (base / "outside" / "victim").string())
      .special("d/dev", AE_IFCHR)
      .special("d/fifo", AE_IFIFO)
      .symlink("d/inside", "ok.txt")
      .hardlink("d/hard-in", "d/ok.txt")
      .file("d/sub/deep.txt", "deep");
  engine.on("GET", "/archive", tar_answer(t.finish()));
  auto c = make();
  try {
    c.pull("/somewhere/d", base / "dest");
    FAIL() << "no UnsafeArchive";
  } catch (const pocketdock::UnsafeArchive& e) {
    std::vector<std::string> paths;
    for (const auto& r : e.rejected_entries()) paths.push_back(r.substr(0, r.find(": ")));
    EXPECT_THAT(paths, Contains("d/../escape.txt"));
    EXPECT_THAT(paths, Contains("../../escape2.txt"));
    EXPECT_THAT(paths, Contains(abs));
    EXPECT_THAT(paths, Contains("d/abslink"));
    EXPECT_THAT(paths, Contains("d/rellink"));
    EXPECT_THAT(paths, Contains("d/hard-out"));
    EXPECT_THAT(paths, Contains("d/hard-abs"));
    EXPECT_THAT(paths, Contains("d/dev"));
    EXPECT_THAT(paths, Contains("d/fifo"));
    EXPECT_EQ(paths.size(), 9U) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("device node"));
  }
  expect_outside_untouched();
  EXPECT_EQ(read_host(base / "dest" / "ok.txt"), "safe");
  EXPECT_EQ(read_host(base / "dest" / "sub" / "deep.txt"), "deep");
  EXPECT_EQ(fs::read_symlink(base / "dest" / "inside"), "ok.txt");
  EXPECT_EQ(read_host(base / "dest" / "hard-in"), "safe");
  // Files "written through" a rejected link land in a real directory inside the destination.
  EXPECT_FALSE(fs::is_symlink(base / "dest" / "abslink"));
  EXPECT_FALSE(fs::exists(base / "dest" / "dev"));
  EXPECT_FALSE(fs::exists(base / "dest" / "fifo"));
}

TEST_F(FakeFiles, ExistingSymlinkInDestinationIsNeverFollowed) {
  fs::create_directories(base / "dest" / "d");
  fs::create_directory_symlink(base / "outside", base / "dest" / "d" / "sub");
  fs::create_symlink(base / "outside" / "victim", base / "dest" / "d" / "victim");
  HostileTar t;
  t.dir("d/").file("d/sub/new.txt", "new").file("d/victim", "replaced");
  engine.on("GET", "/archive", tar_answer(t.finish()));
  auto c = make();
  try {
    c.pull("/x/d", base / "dest");  // existing dest: lands in dest/d
    FAIL() << "no UnsafeArchive";
  } catch (const pocketdock::UnsafeArchive& e) {
    ASSERT_EQ(e.rejected_entries().size(), 1U) << e.what();
    EXPECT_THAT(e.rejected_entries()[0], HasSubstr("d/sub/new.txt"));
  }
  expect_outside_untouched();
  // The link itself was replaced by the file, not written through.
  EXPECT_FALSE(fs::is_symlink(base / "dest" / "d" / "victim"));
  EXPECT_EQ(read_host(base / "dest" / "d" / "victim"), "replaced");
}

TEST_F(FakeFiles, SingleFileArchiveAcceptsOnlyThatFile) {
  HostileTar t;
  t.file("f.txt", "content").file("../evil.txt", "evil").file("f.txt/../../evil2", "evil");
  engine.on("GET", "/archive", tar_answer(t.finish()));
  auto c = make();
  EXPECT_THROW(c.pull("/x/f.txt", base / "dest" / "got.txt"), pocketdock::UnsafeArchive);
  expect_outside_untouched();
  EXPECT_EQ(tree(base / "dest"), std::set<std::string>{"got.txt"});
  EXPECT_EQ(read_host(base / "dest" / "got.txt"), "content");
}

TEST_F(FakeFiles, MissingPathIsFileNotFound) {
  engine.on("GET", "/archive",
            FakeEngine::json(404, R"({"message":"Could not find the file /nope in container abc123abc123abc123"})"));
  auto c = make();
  EXPECT_THROW((void)c.read_file("/nope"), pocketdock::FileNotFound);
  EXPECT_THROW(c.pull("/nope", base / "dest"), pocketdock::FileNotFound);
}

TEST_F(FakeFiles, MissingContainerIsContainerNotFound) {
  engine.on("GET", "/archive", FakeEngine::json(404, R"({"message":"No such container: abc123abc123abc123"})"));
  auto c = make();
  EXPECT_THROW((void)c.read_file("/x"), pocketdock::ContainerNotFound);
}

TEST_F(FakeFiles, HeadNotFoundOfAMissingContainerIsContainerNotFound) {
  engine.on("HEAD", "/archive", FakeEngine::empty(404));
  auto c = make();
  engine.on("GET", "/containers/abc123abc123abc123/json",
            FakeEngine::json(404, R"({"message":"No such container: abc123abc123abc123"})"));
  EXPECT_THROW(c.write_file("/a/b.txt", "x"), pocketdock::ContainerNotFound);
}

TEST_F(FakeFiles, SilentArchiveGetTimesOut) {
  engine.on("GET", "/archive", FakeEngine::silent());
  auto c = make();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW((void)c.read_file("/x"), pocketdock::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);
}

TEST_F(FakeFiles, ArchiveCutMidStreamIsAnError) {
  std::string head;
  std::string tar = big_tar_and_head(head);
  engine.on("GET", "/archive", FakeEngine::raw(head + tar.substr(0, 5000)));
  auto c = make();
  EXPECT_THROW((void)c.read_file("/x"), pocketdock::PocketDockError);
}

TEST_F(FakeFiles, ArchiveThatGoesSilentMidBodyTimesOut) {
  std::string head;
  std::string tar = big_tar_and_head(head);
  engine.on("GET", "/archive",
            [bytes = head + tar.substr(0, 5000)](const pdtest::FakeRequest&, pocketdock::detail::UnixConnection& c,
                                                 FakeEngine& e) {
              c.write_all(bytes, pocketdock::detail::deadline_after(5s));
              e.wait_until_stopped();
              return false;
            });
  auto c = make();
  auto t0 = std::chrono::steady_clock::now();
  try {
    (void)c.read_file("/x");
    ADD_FAILURE() << "read_file returned";
  } catch (const pocketdock::TimeoutError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/archive"));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);
}

TEST_F(FakeFiles, ChunkedArchiveWithExtensionsAndTrailersReadsBack) {
  HostileTar t;
  std::string data(300000, 'y');
  t.file("x", data);
  std::string tar = t.finish();
  std::string body;
  for (std::size_t at = 0; at < tar.size(); at += 70000) {
    std::string piece = tar.substr(at, 70000);
    body += fmt_hex(piece.size()) + ";ext=1\r\n" + piece + "\r\n";
  }
  body += "0\r\nX-Trailer: yes\r\n\r\n";
  engine.on("GET", "/archive",
            FakeEngine::raw("HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            body));
  auto c = make();
  EXPECT_EQ(c.read_file("/x"), data);
}

TEST_F(FakeFiles, TmpfsTreeIsRejectedBeforeAnyArchiveCall) {
  auto c = make();
  EXPECT_THROW(c.pull("/dev/shm/x", base / "got"), pocketdock::InvalidArgument);
  EXPECT_THROW(c.push(base / "outside", "/dev/shm/x"), pocketdock::InvalidArgument);
  for (const auto& r : engine.requests()) EXPECT_EQ(r.target.find("/archive"), std::string::npos) << r.target;
}

TEST_F(FakeFiles, TmpfsFileInAnImageWithoutShIsAClearError) {
  auto c = make();
  EXPECT_THROW(c.pull("/dev/shm/x", base / "got"), pocketdock::InvalidArgument);  // reads the mounts
  engine.on("POST", "/exec/exec1/start", FakeEngine::upgrade(frame(2, "exec: \"sh\": executable file not found\n")));
  engine.on("GET", "/exec/", FakeEngine::json(200, R"({"Running":false,"ExitCode":127})"));
  for (int i = 0; i < 2; ++i) {
    try {
      if (i == 0) {
        c.write_file("/dev/shm/x", "data");
      } else {
        (void)c.read_file("/dev/shm/x");
      }
      FAIL() << "an image without sh";
    } catch (const pocketdock::PocketDockError& e) {
      EXPECT_THAT(e.what(), HasSubstr("`sh` and `cat`"));
      EXPECT_THAT(e.what(), HasSubstr("executable file not found"));
    }
  }
  for (const auto& r : engine.requests()) EXPECT_EQ(r.target.find("/archive"), std::string::npos) << r.target;
}

TEST_F(FakeFiles, HeaderSizeOverTheCapIsFileTooLargeBeforeAnyData) {
  // Only the header of a 50 GB file, then the engine closes: the size alone decides.
  engine.on("GET", "/archive", tar_answer(pocketdock::detail::tar_file_headers({}, "huge", 0644, 50LL << 30, 0)));
  auto c = make();
  try {
    (void)c.read_file("/huge");
    FAIL() << "a 50 GB header was accepted";
  } catch (const pocketdock::FileTooLarge& e) {
    EXPECT_THAT(e.what(), HasSubstr("53687091200 bytes"));
  }
}

TEST_F(FakeFiles, CapIsEnforcedOnTheBytesToo) {
  HostileTar t;
  t.file("x", std::string(5000, 'x'));
  engine.on("GET", "/archive", tar_answer(t.finish()));
  auto c = make();
  EXPECT_THROW((void)c.read_file("/x", {.max_size = 4999}), pocketdock::FileTooLarge);
  EXPECT_EQ(c.read_file("/x", {.max_size = 5000}).size(), 5000U);
}

TEST_F(FakeFiles, PutSendsTarContentTypeAndParents) {
  engine.on("HEAD", "/archive", FakeEngine::empty(404));
  engine.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, R"({"Id":"abc123abc123abc123"})"));
  engine.on("PUT", "/archive", FakeEngine::empty(200));
  auto c = make();
  c.write_file("/new/dir/f.txt", "data", 0600);
  auto reqs = engine.requests();
  auto it = std::find_if(reqs.begin(), reqs.end(), [](const auto& r) { return r.method == "PUT"; });
  ASSERT_NE(it, reqs.end());
  EXPECT_EQ(it->headers["content-type"], "application/x-tar");
  EXPECT_THAT(it->target, ::testing::EndsWith("/archive?path=%2F"));
  // The uploaded archive holds the missing parents, then the file with its mode.
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  ASSERT_EQ(archive_read_open_memory(a, it->body.data(), it->body.size()), ARCHIVE_OK);
  std::vector<std::string> names;
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    names.push_back(archive_entry_pathname(e));
    if (names.back() == "new/dir/f.txt") {
      EXPECT_EQ(archive_entry_perm(e), 0600);
    }
  }
  archive_read_free(a);
  EXPECT_EQ(names, (std::vector<std::string>{"new/", "new/dir/", "new/dir/f.txt"}));
}

/// The entries of an uploaded archive, name and data, in order.
std::vector<std::pair<std::string, std::string>> entries_of(const std::string& tar) {
  std::vector<std::pair<std::string, std::string>> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  if (archive_read_open_memory(a, tar.data(), tar.size()) != ARCHIVE_OK) {
    archive_read_free(a);
    return out;
  }
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    std::string data;
    char buf[65536];
    for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0;) data.append(buf, static_cast<std::size_t>(n));
    out.emplace_back(archive_entry_pathname(e), std::move(data));
  }
  archive_read_free(a);
  return out;
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) % 251);
  return s;
}

class FakeUploads : public FakeFiles {
 protected:
  void SetUp() override {
    FakeFiles::SetUp();
    engine.on("HEAD", "/archive", FakeEngine::empty(404));
    engine.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, R"({"Id":"abc123abc123abc123"})"));
    engine.on("PUT", "/archive", FakeEngine::empty(200));
  }
  /// The PUT requests so far.
  std::vector<pdtest::FakeRequest> puts() {
    std::vector<pdtest::FakeRequest> out;
    for (auto& r : engine.requests()) {
      if (r.method == "PUT") out.push_back(r);
    }
    return out;
  }
};

TEST_F(FakeUploads, FileUploadsCarryAContentLengthEqualToTheBody) {
  auto c = make();
  std::string data = pattern(300001);
  c.write_file("/new/dir/f.txt", data, 0600);
  fs::path host = base / "p.bin";
  std::string pushed = pattern(700000);
  std::ofstream(host, std::ios::binary) << pushed;
  c.push(host, "/new/p.bin");
  std::ofstream(base / "empty").flush();
  c.push(base / "empty", "/e");
  auto reqs = puts();
  ASSERT_EQ(reqs.size(), 3U);
  for (auto& r : reqs) {
    EXPECT_EQ(r.headers["content-length"], std::to_string(r.body.size()));
    EXPECT_EQ(r.headers.count("transfer-encoding"), 0U);
    EXPECT_EQ(r.headers["content-type"], "application/x-tar");
  }
  EXPECT_EQ(entries_of(reqs[0].body), (std::vector<std::pair<std::string, std::string>>{
                                          {"new/", ""}, {"new/dir/", ""}, {"new/dir/f.txt", data}}));
  EXPECT_EQ(entries_of(reqs[1].body),
            (std::vector<std::pair<std::string, std::string>>{{"new/", ""}, {"new/p.bin", pushed}}));
  EXPECT_EQ(entries_of(reqs[2].body), (std::vector<std::pair<std::string, std::string>>{{"e", ""}}));
}

TEST_F(FakeUploads, DirectoryPushStaysChunked) {
  auto c = make();
  fs::create_directories(base / "tree" / "sub");
  std::ofstream(base / "tree" / "sub" / "a.txt") << "a";
  c.push(base / "tree", "/t");
  auto reqs = puts();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_EQ(reqs[0].headers["transfer-encoding"], "chunked");
  EXPECT_EQ(reqs[0].headers.count("content-length"), 0U);
  auto entries = entries_of(reqs[0].body);
  EXPECT_THAT(entries, Contains(std::make_pair(std::string("t/sub/a.txt"), std::string("a"))));
}

TEST_F(FakeUploads, FileShorterThanItsSizeIsPaddedToItsSize) {
  // A sysfs file claims a page but holds a line: what it holds, then zeros to the size.
  const fs::path sysfs = "/sys/kernel/mm/transparent_hugepage/enabled";
  struct stat st {};
  if (::stat(sysfs.c_str(), &st) != 0) GTEST_SKIP() << sysfs << " is not here";
  std::string content = read_host(sysfs);
  if (static_cast<std::size_t>(st.st_size) <= content.size()) GTEST_SKIP() << sysfs << " does not lie about its size";
  auto c = make();
  c.push(sysfs, "/tmp/enabled");
  auto reqs = puts();
  ASSERT_EQ(reqs.size(), 1U);
  EXPECT_EQ(reqs[0].headers["content-length"], std::to_string(reqs[0].body.size()));
  std::string padded = content + std::string(static_cast<std::size_t>(st.st_size) - content.size(), '\0');
  EXPECT_EQ(entries_of(reqs[0].body),
            (std::vector<std::pair<std::string, std::string>>{{"tmp/", ""}, {"tmp/enabled", padded}}));
}

TEST_F(FakeFiles, SilentArchivePutTimesOut) {
  // {"name":"tmp","size":4096,"mode":2147484159,"mtime":"2026-01-01T00:00:00Z","linkTarget":""}: a directory.
  engine.on("HEAD", "/archive",
            [](const pdtest::FakeRequest& r, pocketdock::detail::UnixConnection& conn, FakeEngine&) {
              std::string answer =
                  r.target.find("f.txt") != std::string::npos
                      ? "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
                      : "HTTP/1.1 200 OK\r\nX-Docker-Container-Path-Stat: "
                        "eyJuYW1lIjoidG1wIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE1OSwibXRpbWUiOiIyMDI2LTAxLTAxVDAwOjAw"
                        "OjAwWiIsImxpbmtUYXJnZXQiOiIifQ==\r\nContent-Length: 0\r\n\r\n";
              conn.write_all(answer, pocketdock::detail::deadline_after(std::chrono::seconds(5)));
              return true;
            });
  engine.on("GET", "/containers/abc123abc123abc123/json", FakeEngine::json(200, R"({"Id":"abc123abc123abc123"})"));
  engine.on("PUT", "/archive", FakeEngine::silent());
  auto c = make();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_THROW(c.write_file("/tmp/f.txt", "data"), pocketdock::TimeoutError);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);
}

}  // namespace
