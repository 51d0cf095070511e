// Build contexts: tar streaming, the minimal-shell context, profile directories (no engine).
#include "image_context.hpp"

#include <pocketdock/images.hpp>
#include <pocketdock/profiles.hpp>

#include <archive.h>
#include <archive_entry.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>

namespace fs = std::filesystem;
using pocketdock::detail::ContextEntry;
using pocketdock::detail::TarProducer;
using ::testing::HasSubstr;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("pdtest-ctx-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct TarMember {
  std::string content;
  int mode = 0;
  bool directory = false;
  std::string link;
};

std::string produce_all(std::vector<ContextEntry> entries, std::size_t* calls = nullptr,
                        std::size_t* max_piece = nullptr) {
  TarProducer tar(std::move(entries));
  std::string out;
  std::function<bool(std::string_view)> write = [&](std::string_view d) {
    out.append(d);
    if (max_piece != nullptr) *max_piece = std::max(*max_piece, d.size());
    return true;
  };
  std::size_t n = 0;
  while (tar.produce(write)) ++n;
  if (calls != nullptr) *calls = n;
  return out;
}

std::map<std::string, TarMember> read_tar(const std::string& bytes) {
  std::map<std::string, TarMember> out;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK);
  archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    TarMember m;
    m.mode = static_cast<int>(archive_entry_perm(e));
    m.directory = archive_entry_filetype(e) == AE_IFDIR;
    if (archive_entry_symlink(e) != nullptr) m.link = archive_entry_symlink(e);
    char buf[8192];
    la_ssize_t n = 0;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0) m.content.append(buf, static_cast<std::size_t>(n));
    out[archive_entry_pathname(e)] = m;
  }
  archive_read_free(a);
  return out;
}

TEST(ImageContext, DirectoryIsTarredRecursivelyWithModesAndLinks) {
  TempDir d;
  std::ofstream(d.path / "Dockerfile") << "FROM scratch\n";
  fs::create_directories(d.path / "demo" / "sub");
  std::ofstream(d.path / "demo" / "serve.py") << "print('hi')\n";
  std::ofstream(d.path / "demo" / "sub" / "run.sh") << "#!/bin/sh\n";
  fs::permissions(d.path / "demo" / "sub" / "run.sh", fs::perms(0751));
  fs::create_symlink("serve.py", d.path / "demo" / "link.py");

  auto members = read_tar(produce_all(pocketdock::detail::directory_context(d.path)));
  ASSERT_EQ(members.count("Dockerfile"), 1U);
  EXPECT_EQ(members["Dockerfile"].content, "FROM scratch\n");
  EXPECT_TRUE(members["demo/"].directory);  // tar names directories with a slash
  EXPECT_EQ(members["demo/serve.py"].content, "print('hi')\n");
  EXPECT_EQ(members["demo/sub/run.sh"].mode, 0751);
  EXPECT_EQ(members["demo/link.py"].link, "serve.py");
  EXPECT_EQ(members.size(), 6U);
}

TEST(ImageContext, LargeFileIsStreamedInPieces) {
  TempDir d;
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 % 251);
  std::ofstream(d.path / "big.bin", std::ios::binary) << big;
  std::size_t calls = 0;
  std::size_t max_piece = 0;
  auto members = read_tar(produce_all(pocketdock::detail::directory_context(d.path), &calls, &max_piece));
  EXPECT_EQ(members["big.bin"].content, big);
  EXPECT_GT(calls, 2U);
  EXPECT_LE(max_piece, 64U * 1024U);  // no piece holds the whole file
}

TEST(ImageContext, WriteRefusalStopsTheProducer) {
  TempDir d;
  std::ofstream(d.path / "f") << std::string(200000, 'x');
  TarProducer tar(pocketdock::detail::directory_context(d.path));
  std::function<bool(std::string_view)> refuse = [](std::string_view) { return false; };
  EXPECT_THROW(
      {
        while (tar.produce(refuse)) {
        }
      },
      pocketdock::SocketCommunicationError);
}

TEST(ImageContext, MinimalShellContextHasBinariesAndUsers) {
  auto dir = pocketdock::find_profile_dir("minimal-shell");
  ASSERT_TRUE(dir.has_value());
  auto entries = pocketdock::detail::minimal_shell_context(*dir);
  auto members = read_tar(produce_all(entries));
  for (const char* name : {"Dockerfile", "busybox", "bash", "etc/passwd", "etc/group"}) {
    EXPECT_EQ(members.count(name), 1U) << name;
  }
  EXPECT_THAT(members["etc/passwd"].content, HasSubstr("sandbox:x:1000:1000:sandbox:/home/sandbox:/bin/bash"));
  EXPECT_EQ(members["busybox"].content.size(), fs::file_size("/bin/busybox"));
  EXPECT_EQ(members["busybox"].mode & 0111, 0111);
}

TEST(ImageContext, MissingOrDynamicBinaryNamesTheDebianPackages) {
  auto dir = pocketdock::find_profile_dir("minimal-shell");
  ASSERT_TRUE(dir.has_value());
  try {
    (void)pocketdock::detail::minimal_shell_context(*dir, {.busybox = "/nonexistent/busybox"});
    FAIL() << "expected FileNotFound";
  } catch (const pocketdock::FileNotFound& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("busybox-static"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("bash-static"));
  }
  // /bin/ls is dynamically linked on Debian.
  try {
    (void)pocketdock::detail::minimal_shell_context(*dir, {.bash = "/bin/ls"});
    FAIL() << "expected FileNotFound";
  } catch (const pocketdock::FileNotFound& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("dynamically linked"));
    EXPECT_THAT(std::string(e.what()), HasSubstr("bash-static"));
  }
}

TEST(ImageContext, EveryProfileHasADockerfileDirectory) {
  for (const auto& p : pocketdock::list_profiles()) {
    auto dir = pocketdock::find_profile_dir(p.name);
    ASSERT_TRUE(dir.has_value()) << p.name;
    EXPECT_TRUE(fs::exists(*dir / "Dockerfile")) << p.name;
  }
  EXPECT_TRUE(fs::exists(*pocketdock::find_profile_dir("minimal-python") / "demo" / "serve.py"));
  EXPECT_THROW((void)pocketdock::find_profile_dir("nope"), pocketdock::InvalidArgument);
}

TEST(ImageContext, NormalizeImageName) {
  EXPECT_EQ(pocketdock::normalize_image_name("docker.io/library/x:latest"), "x:latest");
  EXPECT_EQ(pocketdock::normalize_image_name("docker.io/pocketdock/minimal-shell:latest"),
            "pocketdock/minimal-shell:latest");
  EXPECT_EQ(pocketdock::normalize_image_name("localhost/x:1"), "x:1");
  EXPECT_EQ(pocketdock::normalize_image_name("quay.io/a/b"), "quay.io/a/b");
}

}  // namespace
