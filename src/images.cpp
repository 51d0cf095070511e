#include "engine_api.hpp"
#include "exec.hpp"
#include "image_context.hpp"

#include <pocketdock/images.hpp>
#include <pocketdock/profiles.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace pocketdock {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = 64U * 1024U;
// Saving or loading a large image can keep the engine silent for minutes (Podman writes the
// whole archive to a temporary file before sending a byte).
constexpr std::chrono::milliseconds kImageTransferTimeout = 10min;

std::chrono::milliseconds transfer_timeout(const EngineOptions& engine) {
  return std::max(engine.api_timeout, kImageTransferTimeout);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool has_dockerfile(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "Dockerfile", ec);
}

struct ArchiveFree {
  void operator()(archive* a) const noexcept {
    if (a != nullptr) archive_write_free(a);
  }
};
struct ArchiveReadFree {
  void operator()(archive* a) const noexcept {
    if (a != nullptr) archive_read_free(a);
  }
};
struct FileClose {
  void operator()(std::FILE* f) const noexcept {
    if (f != nullptr) std::fclose(f);
  }
};

std::string archive_message(archive* a) {
  const char* m = a == nullptr ? nullptr : archive_error_string(a);
  return m == nullptr ? "unknown error" : m;
}

// Where export writes: the plain file, or a gzip stream (libarchive's raw format, one entry).
class ExportWriter {
 public:
  ExportWriter(const fs::path& path, bool gzip) : path_(path) {
    if (!gzip) {
      file_.reset(std::fopen(path.c_str(), "wbe"));
      if (!file_) throw PocketDockError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
      return;
    }
    gz_.reset(archive_write_new());
    if (!gz_ || archive_write_set_format_raw(gz_.get()) != ARCHIVE_OK ||
        archive_write_add_filter_gzip(gz_.get()) != ARCHIVE_OK ||
        archive_write_set_bytes_in_last_block(gz_.get(), 1) != ARCHIVE_OK ||
        archive_write_open_filename(gz_.get(), path.c_str()) != ARCHIVE_OK) {
      throw PocketDockError(fmt::format("cannot write {}: {}", path.string(), archive_message(gz_.get())));
    }
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), &archive_entry_free);
    archive_entry_set_pathname(e.get(), "images.tar");
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    if (archive_write_header(gz_.get(), e.get()) != ARCHIVE_OK) {
      throw PocketDockError(fmt::format("cannot write {}: {}", path.string(), archive_message(gz_.get())));
    }
  }

  bool write(std::string_view data) {
    if (file_) {
      if (std::fwrite(data.data(), 1, data.size(), file_.get()) == data.size()) return true;
    } else if (archive_write_data(gz_.get(), data.data(), data.size()) == static_cast<la_ssize_t>(data.size())) {
      return true;
    }
    error_ = file_ ? std::strerror(errno) : archive_message(gz_.get());
    return false;
  }

  void finish() {
    bool ok = error_.empty();
    if (file_) {
      ok = ok && std::fflush(file_.get()) == 0;
      if (!ok && error_.empty()) error_ = std::strerror(errno);
      ok = std::fclose(file_.release()) == 0 && ok;
    } else {
      if (archive_write_close(gz_.get()) != ARCHIVE_OK) {
        ok = false;
        error_ = archive_message(gz_.get());
      }
    }
    if (!ok) throw PocketDockError(fmt::format("cannot write {}: {}", path_.string(), error_));
  }

  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  fs::path path_;
  std::unique_ptr<std::FILE, FileClose> file_;
  std::unique_ptr<archive, ArchiveFree> gz_;
  std::string error_;
};

// Reads an archive file for import, gunzipping it when it starts with the gzip magic.
class ImportReader {
 public:
  explicit ImportReader(const fs::path& path) : path_(path) {
    file_.reset(std::fopen(path.c_str(), "rbe"));
    if (!file_) throw PocketDockError(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
    unsigned char magic[2] = {0, 0};
    bool gzip = std::fread(magic, 1, 2, file_.get()) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    std::rewind(file_.get());
    if (!gzip) return;
    file_.reset();
    gz_.reset(archive_read_new());
    archive_entry* entry = nullptr;
    if (!gz_ || archive_read_support_filter_gzip(gz_.get()) != ARCHIVE_OK ||
        archive_read_support_format_raw(gz_.get()) != ARCHIVE_OK ||
        archive_read_open_filename(gz_.get(), path.c_str(), kChunk) != ARCHIVE_OK ||
        archive_read_next_header(gz_.get(), &entry) != ARCHIVE_OK) {
      throw PocketDockError(fmt::format("cannot gunzip {}: {}", path.string(), archive_message(gz_.get())));
    }
  }

  /// Writes the next chunk; false at the end.
  bool produce(const std::function<bool(std::string_view)>& write) {
    std::size_t n = 0;
    if (file_) {
      n = std::fread(buffer_.data(), 1, buffer_.size(), file_.get());
      if (n == 0 && std::ferror(file_.get()) != 0) {
        throw PocketDockError(fmt::format("cannot read {}: {}", path_.string(), std::strerror(errno)));
      }
    } else {
      la_ssize_t got = archive_read_data(gz_.get(), buffer_.data(), buffer_.size());
      if (got < 0)
        throw PocketDockError(fmt::format("cannot gunzip {}: {}", path_.string(), archive_message(gz_.get())));
      n = static_cast<std::size_t>(got);
    }
    if (n == 0) return false;
    if (!write(std::string_view(buffer_.data(), n))) {
      throw SocketCommunicationError("the engine stopped reading the image archive");
    }
    return true;
  }

 private:
  fs::path path_;
  std::unique_ptr<std::FILE, FileClose> file_;
  std::unique_ptr<archive, ArchiveReadFree> gz_;
  std::vector<char> buffer_ = std::vector<char>(kChunk);
};

}  // namespace

std::optional<fs::path> find_profile_dir(const std::string& profile) {
  ProfileInfo info = resolve_profile(profile);
  std::vector<fs::path> roots;
  if (const char* v = std::getenv("POCKETDOCK_IMAGES_DIR"); v != nullptr && *v != '\0') roots.emplace_back(v);
  // An installed tree that was moved: <prefix>/bin/<program> beside <prefix>/share/pocketdock/images.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) roots.push_back(exe.parent_path().parent_path() / "share" / "pocketdock" / "images");
  roots.emplace_back(fs::path(POCKETDOCK_DATADIR) / "images");
  roots.emplace_back(fs::path(POCKETDOCK_SOURCE_DATADIR) / "images");
  for (const auto& root : roots) {
    if (has_dockerfile(root / info.name)) return root / info.name;
  }
  return std::nullopt;
}

std::string build_image(const std::string& profile_or_dir, const BuildOptions& options) {
  std::vector<ProfileInfo> profiles = list_profiles();
  bool is_profile =
      std::any_of(profiles.begin(), profiles.end(), [&](const auto& p) { return p.name == profile_or_dir; });
  std::string tag = options.tag;
  std::vector<detail::ContextEntry> context;
  if (is_profile) {
    ProfileInfo info = resolve_profile(profile_or_dir);
    auto dir = find_profile_dir(info.name);
    if (!dir) {
      throw FileNotFound(
          fmt::format("the Dockerfile of profile {} is not installed (looked in {}/images and {}/images)", info.name,
                      POCKETDOCK_DATADIR, POCKETDOCK_SOURCE_DATADIR));
    }
    context = info.name == "minimal-shell" ? detail::minimal_shell_context(*dir) : detail::directory_context(*dir);
    if (tag.empty()) tag = info.image_tag;
  } else {
    std::error_code ec;
    bool looks_like_path = profile_or_dir.find('/') != std::string::npos || profile_or_dir.rfind('.', 0) == 0;
    if (!fs::is_directory(profile_or_dir, ec)) {
      if (!looks_like_path) (void)resolve_profile(profile_or_dir);  // throws "Unknown profile ..."
      throw InvalidArgument(fmt::format("build context {} is not a directory", profile_or_dir));
    }
    if (!has_dockerfile(profile_or_dir)) {
      throw InvalidArgument(fmt::format("build context {} has no Dockerfile", profile_or_dir));
    }
    if (tag.empty()) throw InvalidArgument("build_image: a tag is required to build a directory");
    context = detail::directory_context(profile_or_dir);
  }
  if (options.timeout <= std::chrono::milliseconds::zero()) throw InvalidArgument("build timeout must be positive");

  auto engine = detail::EngineClient::connect(options.engine);
  detail::TarProducer tar(std::move(context));
  return engine->build_image(
      tag, options.timeout, [&](const std::function<bool(std::string_view)>& write) { return tar.produce(write); },
      options.on_progress);
}

void export_images(const std::vector<std::string>& images, const fs::path& file, const EngineOptions& engine_options) {
  if (images.empty()) throw InvalidArgument("export_images: no images given");
  if (file.empty()) throw InvalidArgument("export_images: no output file given");
  auto engine = detail::EngineClient::connect(engine_options);
  // Written beside the target and renamed at the end, so a failed export leaves no half file.
  fs::path tmp = file;
  tmp += ".part-" + detail::random_hex(8);
  try {
    ExportWriter writer(tmp, ends_with(file.string(), ".gz"));
    engine->save_images(images, transfer_timeout(engine_options),
                        [&](std::string_view data) { return writer.write(data); });
    if (!writer.error().empty())
      throw PocketDockError(fmt::format("cannot write {}: {}", file.string(), writer.error()));
    writer.finish();
    std::error_code ec;
    fs::rename(tmp, file, ec);
    if (ec) throw PocketDockError(fmt::format("cannot write {}: {}", file.string(), ec.message()));
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

std::vector<std::string> import_images(const fs::path& file, const EngineOptions& engine_options) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw FileNotFound(fmt::format("no such file: {}", file.string()));
  ImportReader reader(file);
  auto engine = detail::EngineClient::connect(engine_options);
  auto names =
      engine->load_images(transfer_timeout(engine_options),
                          [&](const std::function<bool(std::string_view)>& write) { return reader.produce(write); });
  for (auto& n : names) n = normalize_image_name(n);
  return names;
}

bool remove_image(const std::string& image, bool force, const EngineOptions& engine_options) {
  auto engine = detail::EngineClient::connect(engine_options);
  return engine->remove_image(image, force);
}

bool image_exists(const std::string& image, const EngineOptions& engine_options) {
  auto engine = detail::EngineClient::connect(engine_options);
  return engine->inspect_image(image).has_value();
}

std::string normalize_image_name(std::string_view name) {
  for (std::string_view prefix : {"docker.io/library/", "docker.io/", "localhost/"}) {
    if (name.substr(0, prefix.size()) == prefix) return std::string(name.substr(prefix.size()));
  }
  return std::string(name);
}

}  // namespace pocketdock
