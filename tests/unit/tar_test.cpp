// Tar reader/writer, safe extraction and archive-stat parsing (issue 4), without an engine.
#include "engine_api.hpp"
#include "safe_extract.hpp"
#include "tar_reader.hpp"
#include "tar_writer.hpp"

#include <pocketdock/errors.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <vector>

namespace fs = std::filesystem;
using namespace pocketdock::detail;
using ::testing::HasSubstr;

namespace {

/// A source that hands out `data` in pieces of `piece` bytes (exercises chunk boundaries).
TarSource pieces(const std::string& data, std::size_t piece) {
  auto offset = std::make_shared<std::size_t>(0);
  return [&data, piece, offset]() -> std::string_view {
    std::size_t n = std::min(piece, data.size() - *offset);
    std::string_view out(data.data() + *offset, n);
    *offset += n;
    return out;
  };
}

std::string all_bytes() {
  std::string s;
  for (int r = 0; r < 64; ++r) {
    for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  }
  return s;
}

std::string sample_tar() {
  std::string out;
  TarWriter w([&](std::string_view d) {
    out.append(d);
    return true;
  });
  w.add_directory("dir", 0751, 1000);
  w.begin_file("dir/bin.dat", 0755, static_cast<std::int64_t>(all_bytes().size()), 2000);
  std::string bytes = all_bytes();
  w.write_data(std::string_view(bytes).substr(0, 1000));
  w.write_data(std::string_view(bytes).substr(1000));
  w.add_symlink("dir/link", "bin.dat", 3000);
  w.begin_file("dir/file with spaces ünïcødé ✓.txt", 0644, 3, 0);
  w.write_data("abc");
  std::string long_name = "dir/" + std::string(200, 'n');
  w.begin_file(long_name, 0600, 0, 0);
  w.close();
  return out;
}

TEST(Tar, WriterOutputReadsBackExactly) {
  std::string tar = sample_tar();
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{512}, std::size_t{100000}}) {
    TarReader r(pieces(tar, piece));
    TarEntry e;
    ASSERT_TRUE(r.next(e));
    EXPECT_EQ(e.path, "dir/");
    EXPECT_EQ(e.type, TarEntryType::directory);
    EXPECT_EQ(e.mode, 0751U);
    ASSERT_TRUE(r.next(e));
    EXPECT_EQ(e.path, "dir/bin.dat");
    EXPECT_EQ(e.mode, 0755U);
    EXPECT_EQ(e.mtime, 2000);
    std::string data;
    char buf[333];
    for (std::size_t n; (n = r.read(buf, sizeof buf)) > 0;) data.append(buf, n);
    EXPECT_EQ(data, all_bytes());
    ASSERT_TRUE(r.next(e));
    EXPECT_EQ(e.type, TarEntryType::symlink);
    EXPECT_EQ(e.link_target, "bin.dat");
    ASSERT_TRUE(r.next(e));  // data of the previous one skipped automatically
    EXPECT_EQ(e.path, "dir/file with spaces ünïcødé ✓.txt");
    ASSERT_TRUE(r.next(e));
    EXPECT_EQ(e.path, "dir/" + std::string(200, 'n'));
    EXPECT_FALSE(r.next(e));
  }
}

// The Content-Length upload of one file: libarchive's header bytes, the data, then zeros,
// must be exactly the archive TarWriter writes for the same entries.
TEST(Tar, SingleFileArchiveFromHeadersEqualsTheWritersArchive) {
  struct Case {
    std::vector<TarDirectory> dirs;
    std::string name;
    std::size_t size;
    std::int64_t mtime;
    std::uint32_t mode;
  };
  const std::string long_name(150, 'L');  // a pax path record
  const std::vector<Case> cases = {
      {{}, "f", 0, 0, 0644},
      {{}, "a.txt", 1, 1700000000, 0600},
      {{}, "block.bin", 511, 1, 0755},
      {{}, "exact.bin", 512, 2, 0644},
      {{}, "over.bin", 513, 3, 0644},
      {{}, "file with spaces ünï ✓.txt", 100000, 1600000000, 0640},
      {{}, std::string(99, 'n'), 1024, 5, 0644},
      {{}, std::string(100, 'm'), 1025, 6, 04755},
      {{{"new", 0755, 1700000001}}, "new/" + long_name, 4096, 7, 0644},
      {{{"a", 0755, 10}, {"a/b", 0700, 11}}, "a/b/c.dat", (1 << 20) + 7, 8589934592LL, 0644},  // pax mtime
      {{{"d", 0755, 12}}, "d/e", 0, -5, 0644},
      {{{"x", 0755, 13}, {"x/" + long_name, 0755, 14}}, "x/" + long_name + "/y", 3000, 15, 0600},
  };
  for (const auto& c : cases) {
    std::string data(c.size, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
    std::string expected;
    {
      TarWriter w([&](std::string_view d) {
        expected.append(d);
        return true;
      });
      for (const auto& d : c.dirs) w.add_directory(d.path, d.mode, d.mtime);
      w.begin_file(c.name, c.mode, static_cast<std::int64_t>(c.size), c.mtime);
      w.write_data(data);
      w.close();
    }
    std::string headers = tar_file_headers(c.dirs, c.name, c.mode, static_cast<std::int64_t>(c.size), c.mtime);
    std::string actual = headers + data + std::string(tar_tail_bytes(c.size), '\0');
    EXPECT_EQ(headers.size() % kTarBlock, 0U) << c.name;
    EXPECT_EQ(actual.size(), expected.size()) << c.name;
    EXPECT_TRUE(actual == expected) << c.name;
    // The writer's archive ends with exactly the two zero blocks after the padded data.
    EXPECT_EQ(expected.size(), headers.size() + (c.size + kTarBlock - 1) / kTarBlock * kTarBlock + kTarEndBytes);
  }
}

TEST(Tar, EmptyInputIsAnEmptyArchive) {
  std::string empty;
  TarReader r(pieces(empty, 10));
  TarEntry e;
  EXPECT_FALSE(r.next(e));
}

TEST(Tar, GarbageIsAMalformedArchive) {
  std::string garbage(2048, 'g');
  EXPECT_THROW(
      {
        TarReader r(pieces(garbage, 100));
        TarEntry e;
        (void)r.next(e);
      },
      pocketdock::SocketCommunicationError);
}

TEST(Tar, TruncatedDataIsAnError) {
  std::string tar = sample_tar().substr(0, 3000);
  TarReader r(pieces(tar, 512));
  TarEntry e;
  char buf[4096];
  EXPECT_THROW(
      {
        while (r.next(e)) {
          while (r.read(buf, sizeof buf) > 0) {
          }
        }
      },
      pocketdock::SocketCommunicationError);
}

TEST(Tar, SourceErrorsReachTheCaller) {
  TarReader* reader = nullptr;
  auto source = []() -> std::string_view { throw pocketdock::TimeoutError("engine silent"); };
  EXPECT_THROW(
      {
        TarReader r(source);
        reader = &r;
        TarEntry e;
        (void)r.next(e);
      },
      pocketdock::TimeoutError);
  (void)reader;
}

TEST(Tar, WriterStopsWhenTheSinkIsGone) {
  TarWriter w([](std::string_view) { return false; });
  std::string block(1 << 20, 'x');
  EXPECT_THROW(
      {
        w.begin_file("f", 0644, 1 << 20, 0);  // the header goes out at once (no blocking)
        w.write_data(block);
        w.close();
      },
      pocketdock::PocketDockError);
}

TEST(Tar, WriterNeverHoldsTheArchive) {
  // 64 MiB through the writer: each block goes to the sink as it is made.
  std::size_t total = 0;
  std::size_t biggest = 0;
  TarWriter w([&](std::string_view d) {
    total += d.size();
    biggest = std::max(biggest, d.size());
    return true;
  });
  std::string piece(1 << 20, 'z');
  w.begin_file("big", 0644, 64LL << 20, 0);
  for (int i = 0; i < 64; ++i) w.write_data(piece);
  w.close();
  EXPECT_GE(total, std::size_t{64} << 20);
  EXPECT_LE(biggest, std::size_t{1} << 20);
}

TEST(ArchivePath, SplitRejectsEscapes) {
  std::vector<std::string> c;
  std::string why;
  EXPECT_TRUE(split_archive_path("./a//b/./c/", c, why));
  EXPECT_EQ(c, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(split_archive_path("/etc/passwd", c, why));
  EXPECT_EQ(why, "absolute path");
  EXPECT_FALSE(split_archive_path("a/../../b", c, why));
  EXPECT_FALSE(split_archive_path("..", c, why));
  EXPECT_TRUE(split_archive_path("a/..b/c..", c, why));  // names that merely contain dots
}

TEST(ArchiveStat, ParsesBothEngines) {
  // docker: {"name":"link","size":7,"mode":134218239,"mtime":"...","linkTarget":"/data/dir/a.txt"}
  auto docker = parse_path_stat(
      "eyJuYW1lIjoibGluayIsInNpemUiOjcsIm1vZGUiOjEzNDIxODIzOSwibXRpbWUiOiIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsImxpbmtUYXJnZXQi"
      "OiIvZGF0YS9kaXIvYS50eHQifQ==");
  EXPECT_TRUE(docker.is_symlink);
  EXPECT_FALSE(docker.is_dir);
  EXPECT_EQ(docker.link_target, "/data/dir/a.txt");
  // podman: {"name":"dir","size":4096,"mode":2147484141,"mtime":"...","isDir":true,"linkTarget":"/data/dir"}
  auto podman = parse_path_stat(
      "eyJuYW1lIjoiZGlyIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0NzQ4NDE0MSwibXRpbWUiOiIyMDI2LTAxLTAxVDAwOjAwOjAwWiIsImlzRGlyIjp0"
      "cnVlLCJsaW5rVGFyZ2V0IjoiL2RhdGEvZGlyIn0=");
  EXPECT_TRUE(podman.is_dir);
  EXPECT_FALSE(podman.is_symlink);
  EXPECT_EQ(podman.mode, 0755U);
  EXPECT_THROW((void)parse_path_stat("!!!"), pocketdock::SocketCommunicationError);
}

TEST(ArchivePath, PodmanGlobEscaping) {
  EXPECT_EQ(podman_literal_path("/tmp/plain name"), "/tmp/plain name");
  EXPECT_EQ(podman_literal_path("/tmp/a[x]?"), "/tmp/a\\[x\\]\\?");
  EXPECT_EQ(podman_literal_path("/tmp/a*b"), "/tmp/a?b");
}

class Extract : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pdextract-XXXXXX";
    root = ::mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(root); }
  fs::path root;
};

TEST_F(Extract, RenamesTheTopAndKeepsModesAndLinks) {
  std::string tar = sample_tar();
  TarReader r(pieces(tar, 4096));
  SafeExtractor x(root, "renamed", false);
  TarEntry e;
  while (r.next(e)) x.extract(r, e);
  x.finish();
  EXPECT_EQ(fs::status(root / "renamed").permissions(), fs::perms(0751));
  EXPECT_EQ(fs::status(root / "renamed" / "bin.dat").permissions(), fs::perms(0755));
  EXPECT_EQ(fs::file_size(root / "renamed" / "bin.dat"), all_bytes().size());
  EXPECT_EQ(fs::read_symlink(root / "renamed" / "link"), "bin.dat");
  EXPECT_TRUE(fs::exists(root / "renamed" / "file with spaces ünïcødé ✓.txt"));
}

TEST_F(Extract, DroppedTopPutsContentInTheRoot) {
  std::string tar = sample_tar();
  TarReader r(pieces(tar, 4096));
  SafeExtractor x(root, "", false);
  TarEntry e;
  while (r.next(e)) x.extract(r, e);
  x.finish();
  EXPECT_TRUE(fs::is_regular_file(root / "bin.dat"));
  EXPECT_EQ(fs::status(root).permissions(), fs::perms(0751));
}

TEST_F(Extract, EscapingSymlinkIsRejected) {
  std::string tar;
  {
    TarWriter w([&](std::string_view d) {
      tar.append(d);
      return true;
    });
    w.add_directory("d", 0755, 0);
    w.add_symlink("d/up", "../..", 0);
    w.add_symlink("d/sub/ok", "../x", 0);  // stays inside: d/x
    w.add_symlink("d/abs", "/etc", 0);
    w.add_symlink("d/self", ".", 0);
    w.add_symlink("d/climb", "self/../..", 0);  // lexically inside, really outside
    w.close();
  }
  TarReader r(pieces(tar, 4096));
  SafeExtractor x(root, "d", false);
  TarEntry e;
  while (r.next(e)) x.extract(r, e);
  try {
    x.finish();
    FAIL();
  } catch (const pocketdock::UnsafeArchive& err) {
    ASSERT_EQ(err.rejected_entries().size(), 3U);
    EXPECT_THAT(err.rejected_entries()[0], HasSubstr("d/up: symlink leaves the pulled tree"));
    EXPECT_THAT(err.rejected_entries()[1], HasSubstr("d/abs: symlink to an absolute path"));
    EXPECT_THAT(err.rejected_entries()[2], HasSubstr("d/climb: symlink leaves the pulled tree"));
  }
  EXPECT_EQ(fs::read_symlink(root / "d" / "sub" / "ok"), "../x");
  EXPECT_EQ(fs::read_symlink(root / "d" / "self"), ".");
}

/// Extracts `tar` under `root` with `top`; returns the rejected entries (empty if none).
std::vector<std::string> extract_all(const fs::path& root, const std::string& tar, const std::string& top,
                                     bool exact_modes = false) {
  TarReader r(pieces(tar, 4096));
  SafeExtractor x(root, top, false, exact_modes);
  TarEntry e;
  while (r.next(e)) x.extract(r, e);
  try {
    x.finish();
  } catch (const pocketdock::UnsafeArchive& err) {
    return err.rejected_entries();
  }
  return {};
}

/// An archive made by `add(writer)`.
template <class Add>
std::string make_tar(Add&& add) {
  std::string tar;
  TarWriter w([&](std::string_view d) {
    tar.append(d);
    return true;
  });
  add(w);
  w.close();
  return tar;
}

std::string links_tar() {
  return make_tar([](TarWriter& w) {
    w.add_directory("out", 0755, 0);
    w.begin_file("out/data", 0644, 1, 0);
    w.write_data("x");
    w.add_symlink("out/key", "../.ssh/id_rsa", 0);      // the attack: next to the tree
    w.add_symlink("out/sub/deep", "../../outside", 0);  // two levels up from one level down
    w.add_symlink("out/sub/up", "../data", 0);          // inside: out/data
    w.add_symlink("out/here", "data", 0);               // inside
    w.add_symlink("out/dot", ".", 0);                   // the tree itself
  });
}

TEST_F(Extract, SymlinkOutOfThePulledTreeIsRejectedWhenTheTopIsKept) {
  // pull("/out", existing_dir): the tree is root/out, so "../x" from out/key points next to it.
  auto rejected = extract_all(root, links_tar(), "out");
  ASSERT_EQ(rejected.size(), 2U);
  EXPECT_THAT(rejected[0], HasSubstr("out/key: symlink leaves the pulled tree (../.ssh/id_rsa)"));
  EXPECT_THAT(rejected[1], HasSubstr("out/sub/deep: symlink leaves the pulled tree"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root / "out" / "key")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(root / "out" / "sub" / "deep")));
  EXPECT_EQ(fs::read_symlink(root / "out" / "sub" / "up"), "../data");
  EXPECT_EQ(fs::read_symlink(root / "out" / "here"), "data");
  EXPECT_EQ(fs::read_symlink(root / "out" / "dot"), ".");
  EXPECT_TRUE(fs::is_regular_file(root / "out" / "data"));
}

TEST_F(Extract, SymlinkOutOfThePulledTreeIsRejectedWhenTheTopIsDropped) {
  // pull("/out", missing_dir): the tree is root itself.
  auto rejected = extract_all(root, links_tar(), "");
  ASSERT_EQ(rejected.size(), 2U);
  EXPECT_THAT(rejected[0], HasSubstr("out/key: symlink leaves the pulled tree"));
  EXPECT_THAT(rejected[1], HasSubstr("out/sub/deep: symlink leaves the pulled tree"));
  EXPECT_EQ(fs::read_symlink(root / "sub" / "up"), "../data");
}

std::string special_modes_tar() {
  return make_tar([](TarWriter& w) {
    w.add_directory("t", 01777, 0);
    w.begin_file("t/suid", 04755, 1, 0);
    w.write_data("x");
    w.begin_file("t/sgid-world", 02777, 1, 0);
    w.write_data("y");
    w.begin_file("t/plain", 0640, 1, 0);
    w.write_data("z");
  });
}

TEST_F(Extract, ModesLoseSpecialAndWorldWriteBitsByDefault) {
  EXPECT_TRUE(extract_all(root, special_modes_tar(), "t").empty());
  EXPECT_EQ(fs::status(root / "t").permissions(), fs::perms(0775));
  EXPECT_EQ(fs::status(root / "t" / "suid").permissions(), fs::perms(0755));
  EXPECT_EQ(fs::status(root / "t" / "sgid-world").permissions(), fs::perms(0775));
  EXPECT_EQ(fs::status(root / "t" / "plain").permissions(), fs::perms(0640));
}

TEST_F(Extract, ExactModesKeepEveryBit) {
  EXPECT_TRUE(extract_all(root, special_modes_tar(), "t", true).empty());
  EXPECT_EQ(fs::status(root / "t").permissions(), fs::perms(01777));
  EXPECT_EQ(fs::status(root / "t" / "suid").permissions(), fs::perms(04755));
  EXPECT_EQ(fs::status(root / "t" / "sgid-world").permissions(), fs::perms(02777));
}

}  // namespace

TEST_F(Extract, SparseEntryKeepsItsHolesAndLength) {
  // A pax sparse entry: data at [0, 4 KiB) and [2 MiB, 2 MiB + 4 KiB), a hole to its 3 MiB end.
  const la_int64_t logical = 3 << 20;
  const la_int64_t second = 2 << 20;
  std::string block_a(4096, 'a');
  std::string block_b(4096, 'b');
  std::vector<char> buffer(1 << 20);
  std::size_t used = 0;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_open_memory(a, buffer.data(), buffer.size(), &used);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "sparse.bin");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, logical);
  archive_entry_sparse_add_entry(e, 0, 4096);
  archive_entry_sparse_add_entry(e, second, 4096);
  ASSERT_EQ(archive_write_header(a, e), ARCHIVE_OK);
  // The writer takes the logical file: holes are given as zeros and skipped.
  std::string logical_data(static_cast<std::size_t>(logical), '\0');
  logical_data.replace(0, 4096, block_a);
  logical_data.replace(static_cast<std::size_t>(second), 4096, block_b);
  ASSERT_EQ(archive_write_data(a, logical_data.data(), logical_data.size()), logical);
  archive_entry_free(e);
  archive_write_close(a);
  archive_write_free(a);
  std::string tar(buffer.data(), used);
  ASSERT_LT(tar.size(), 64U * 1024) << "the archive should hold only the data blocks";

  TarReader r(pieces(tar, 1000));
  SafeExtractor x(root, "sparse.bin", true);
  TarEntry entry;
  while (r.next(entry)) x.extract(r, entry);
  x.finish();
  EXPECT_TRUE(x.rejected().empty());
  std::ifstream in(root / "sparse.bin", std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got.size(), logical_data.size());
  EXPECT_TRUE(got == logical_data);
}
