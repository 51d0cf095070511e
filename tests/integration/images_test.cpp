// Image build, export and import against a real engine (issue 7).
#include "support/engines.hpp"

#include "exec.hpp"

#include <pocketdock/images.hpp>
#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

namespace {

pocketdock::EngineOptions engine_options() { return {.socket = pdtest::engine_socket()}; }

// A scratch directory removed at the end of the test.
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("pdtest-images-" + pocketdock::detail::random_hex(8));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  void write(const std::string& name, const std::string& content) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name, std::ios::binary) << content;
  }
};

// Images a test made, removed at the end.
struct ImageJanitor {
  std::vector<std::string> images;
  ~ImageJanitor() {
    for (const auto& i : images) {
      try {
        (void)pocketdock::remove_image(i, true, engine_options());
      } catch (...) {
        // Best effort: the test result says what went wrong.
      }
    }
  }
};

// A tiny image with one file of its own, so two of them are really two images.
std::string build_tiny(const std::string& tag, const std::string& marker,
                       std::vector<std::string>* progress = nullptr) {
  TempDir ctx;
  ctx.write("Dockerfile", "FROM scratch\nCOPY marker.txt /marker.txt\n");
  ctx.write("marker.txt", marker + "\n");
  pocketdock::BuildOptions o{.tag = tag, .engine = engine_options()};
  if (progress != nullptr) o.on_progress = [progress](std::string_view line) { progress->emplace_back(line); };
  return pocketdock::build_image(ctx.path.string(), o);
}

std::string image_id(const std::string& name) {
  auto engine = pocketdock::detail::EngineClient::connect(engine_options());
  auto j = engine->inspect_image(name);
  return j ? (*j)["Id"].get<std::string>() : std::string();
}

TEST(Images, BuildFromDirectoryStreamsProgressAndReturnsTheId) {
  ImageJanitor janitor;
  std::string tag = pdtest::unique_name("pdtest-img");
  janitor.images.push_back(tag);
  std::vector<std::string> progress;
  std::string id = build_tiny(tag, "one", &progress);
  EXPECT_FALSE(id.empty());
  EXPECT_TRUE(pocketdock::image_exists(tag, engine_options()));
  ASSERT_FALSE(progress.empty());
  bool saw_step = false;
  for (const auto& line : progress) {
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    if (line.find("COPY marker.txt") != std::string::npos) saw_step = true;
  }
  EXPECT_TRUE(saw_step) << "no progress line for the COPY step";
}

TEST(Images, FailingRunStepThrowsBuildErrorWithTheEnginesMessage) {
  TempDir ctx;
  ctx.write("Dockerfile", std::string("FROM ") + pdtest::kTestImage + "\nRUN echo about-to-fail && exit 1\n");
  std::string tag = pdtest::unique_name("pdtest-img-fail");
  ImageJanitor janitor;
  janitor.images.push_back(tag);
  std::vector<std::string> progress;
  pocketdock::BuildOptions o{.tag = tag,
                             .on_progress = [&](std::string_view line) { progress.emplace_back(line); },
                             .engine = engine_options()};
  try {
    (void)pocketdock::build_image(ctx.path.string(), o);
    FAIL() << "the build should have failed";
  } catch (const pocketdock::BuildError& e) {
    EXPECT_FALSE(e.engine_message().empty());
    EXPECT_THAT(std::string(e.what()), HasSubstr(e.engine_message()));
    EXPECT_THAT(std::string(e.what()), HasSubstr(tag));
    EXPECT_EQ(e.operation(), "build");
  }
  bool saw_output = false;
  for (const auto& line : progress) saw_output = saw_output || line.find("about-to-fail") != std::string::npos;
  EXPECT_TRUE(saw_output) << "the failing step's own output was not streamed";
  EXPECT_FALSE(pocketdock::image_exists(tag, engine_options()));
}

TEST(Images, DockerfileSyntaxErrorIsABuildError) {
  TempDir ctx;
  ctx.write("Dockerfile", "FROMM scratch\n");
  // Docker rejects it with HTTP 400, Podman inside a 200 stream: both are a BuildError.
  EXPECT_THROW((void)pocketdock::build_image(
                   ctx.path.string(), {.tag = pdtest::unique_name("pdtest-img-bad"), .engine = engine_options()}),
               pocketdock::BuildError);
}

TEST(Images, BuildArgumentsAreCheckedBeforeTheEngine) {
  EXPECT_THROW((void)pocketdock::build_image("no-such-profile", {.engine = engine_options()}),
               pocketdock::InvalidArgument);
  TempDir ctx;
  ctx.write("Dockerfile", "FROM scratch\n");
  EXPECT_THROW((void)pocketdock::build_image(ctx.path.string(), {.engine = engine_options()}),
               pocketdock::InvalidArgument);  // a directory needs a tag
  EXPECT_THROW((void)pocketdock::build_image((ctx.path / "missing").string(), {.tag = "x", .engine = engine_options()}),
               pocketdock::InvalidArgument);
}

TEST(Images, MinimalShellProfileBuildsOffline) {
  std::string id = pocketdock::build_image("minimal-shell", {.engine = engine_options()});
  EXPECT_EQ(id, image_id(pdtest::kTestImage));
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto r = c.run("id -u && bash -c 'echo $BASH_VERSION' && ls /bin/sh");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1000\n"));
  EXPECT_THAT(r.out, HasSubstr("/bin/sh"));
}

void export_import_round_trip(const std::string& file_name) {
  ImageJanitor janitor;
  std::string a = pdtest::unique_name("pdtest-img-a");
  std::string b = pdtest::unique_name("pdtest-img-b");
  janitor.images = {a, b};
  std::string id_a = build_tiny(a, "alpha");
  std::string id_b = build_tiny(b, "beta");
  ASSERT_NE(id_a, id_b);

  TempDir dir;
  fs::path file = dir.path / file_name;
  pocketdock::export_images({a, b}, file, engine_options());
  ASSERT_TRUE(fs::exists(file));
  EXPECT_GT(fs::file_size(file), 0U);
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    EXPECT_EQ(entry.path(), file) << "a temporary file was left behind";
  }

  ASSERT_TRUE(pocketdock::remove_image(a, true, engine_options()));
  ASSERT_TRUE(pocketdock::remove_image(b, true, engine_options()));
  ASSERT_FALSE(pocketdock::image_exists(a, engine_options()));
  ASSERT_FALSE(pocketdock::image_exists(b, engine_options()));

  auto loaded = pocketdock::import_images(file, engine_options());
  EXPECT_THAT(loaded, UnorderedElementsAre(a + ":latest", b + ":latest"));
  EXPECT_EQ(image_id(a), id_a);
  EXPECT_EQ(image_id(b), id_b);
}

TEST(Images, ExportTwoImagesThenImportRestoresBoth) { export_import_round_trip("two.tar"); }

TEST(Images, ExportGzipThenImportRestoresBoth) { export_import_round_trip("two.tar.gz"); }

TEST(Images, ExportGzipFileIsGzip) {
  TempDir dir;
  fs::path file = dir.path / "one.tar.gz";
  pocketdock::export_images({pdtest::kTestImage}, file, engine_options());
  std::ifstream in(file, std::ios::binary);
  unsigned char magic[2] = {0, 0};
  in.read(reinterpret_cast<char*>(magic), 2);
  EXPECT_EQ(magic[0], 0x1f);
  EXPECT_EQ(magic[1], 0x8b);
}

TEST(Images, ExportOfAMissingImageIsImageNotFoundAndLeavesNoFile) {
  TempDir dir;
  fs::path file = dir.path / "missing.tar";
  std::string missing = pdtest::unique_name("pdtest-no-such-image");
  EXPECT_THROW(pocketdock::export_images({missing}, file, engine_options()), pocketdock::ImageNotFound);
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(Images, ImportErrors) {
  TempDir dir;
  EXPECT_THROW((void)pocketdock::import_images(dir.path / "missing.tar", engine_options()), pocketdock::FileNotFound);
  dir.write("garbage.tar", "this is not an image archive");
  EXPECT_THROW((void)pocketdock::import_images(dir.path / "garbage.tar", engine_options()),
               pocketdock::PocketDockError);
}

}  // namespace
