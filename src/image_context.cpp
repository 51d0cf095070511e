#include "image_context.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <sys/stat.h>
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace pocketdock::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = 64U * 1024U;
constexpr const char* kPackagesHint =
    "install the Debian packages busybox-static and bash-static "
    "(apt-get install busybox-static bash-static)";

std::uint64_t read_le(const unsigned char* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8U) | p[i];
  return v;
}

// True unless the file is a 64-bit little-endian ELF with an interpreter (dynamically linked).
bool is_static_binary(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<unsigned char, 64> eh{};
  if (!in.read(reinterpret_cast<char*>(eh.data()), eh.size())) return true;
  if (std::memcmp(eh.data(),
                  "\x7f"
                  "ELF",
                  4) != 0 ||
      eh[4] != 2 || eh[5] != 1)
    return true;
  auto phoff = read_le(&eh[32], 8);
  auto phentsize = read_le(&eh[54], 2);
  auto phnum = read_le(&eh[56], 2);
  for (std::uint64_t i = 0; i < phnum; ++i) {
    std::array<unsigned char, 4> type{};
    in.seekg(static_cast<std::streamoff>(phoff + i * phentsize));
    if (!in.read(reinterpret_cast<char*>(type.data()), type.size())) return true;
    if (read_le(type.data(), 4) == 3) return false;  // PT_INTERP
  }
  return true;
}

void require_static_binary(const fs::path& path, const char* what) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::is_regular_file(st) || (st.permissions() & fs::perms::owner_exec) == fs::perms::none) {
    throw FileNotFound(fmt::format("the minimal-shell image needs a static {} at {}, which is missing: {}", what,
                                   path.string(), kPackagesHint));
  }
  if (!is_static_binary(path)) {
    throw FileNotFound(fmt::format("the minimal-shell image needs a static {}, but {} is dynamically linked: {}", what,
                                   path.string(), kPackagesHint));
  }
}

fs::path env_path(const char* name, const fs::path& fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? fs::path(v) : fallback;
}

}  // namespace

std::vector<ContextEntry> directory_context(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InvalidArgument(fmt::format("{} is not a directory", dir.string()));
  std::vector<ContextEntry> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    ContextEntry e;
    e.name = it->path().lexically_relative(dir).generic_string();  // relative() would follow links
    e.source = it->path();
    out.push_back(std::move(e));
  }
  if (ec) throw PocketDockError(fmt::format("cannot read {}: {}", dir.string(), ec.message()));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

std::vector<ContextEntry> minimal_shell_context(const fs::path& profile_dir, const ShellBinaries& binaries) {
  fs::path busybox = env_path("POCKETDOCK_BUSYBOX", binaries.busybox);
  fs::path bash = env_path("POCKETDOCK_BASH_STATIC", binaries.bash);
  require_static_binary(busybox, "busybox");
  require_static_binary(bash, "bash");
  fs::path dockerfile = profile_dir / "Dockerfile";
  std::error_code ec;
  if (!fs::is_regular_file(dockerfile, ec)) {
    throw FileNotFound(fmt::format("no Dockerfile for minimal-shell at {}", dockerfile.string()));
  }
  std::vector<ContextEntry> out;
  out.push_back({.name = "Dockerfile", .source = dockerfile});
  out.push_back({.name = "busybox", .source = busybox});
  out.push_back({.name = "bash", .source = bash});
  out.push_back({.name = "etc", .mode = 0755, .directory = true});
  out.push_back({.name = "etc/passwd",
                 .content = "root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000:sandbox:/home/sandbox:/bin/bash\n"});
  out.push_back({.name = "etc/group", .content = "root:x:0:\nsandbox:x:1000:\n"});
  return out;
}

struct TarProducer::Impl {
  std::vector<ContextEntry> entries;
  std::size_t next = 0;
  archive* ar = nullptr;
  archive_entry* entry = nullptr;
  std::ifstream file;  ///< the file whose data is being written
  std::string file_name;
  const std::function<bool(std::string_view)>* write = nullptr;
  bool write_failed = false;
  bool done = false;
  std::vector<char> buffer = std::vector<char>(kChunk);

  ~Impl() {
    if (ar != nullptr) archive_write_free(ar);
    if (entry != nullptr) archive_entry_free(entry);
  }

  static la_ssize_t on_write(archive*, void* self, const void* data, size_t len) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->write == nullptr || !(*impl->write)(std::string_view(static_cast<const char*>(data), len))) {
      impl->write_failed = true;
      return -1;
    }
    return static_cast<la_ssize_t>(len);
  }

  void check(int rc, const std::string& what) {
    if (write_failed) throw SocketCommunicationError("the engine stopped reading the upload (" + what + ")");
    if (rc < ARCHIVE_WARN) {
      throw PocketDockError(
          fmt::format("tar {}: {}", what,
                      ar != nullptr && archive_error_string(ar) != nullptr ? archive_error_string(ar) : "failed"));
    }
  }

  void check_data(la_ssize_t written, const std::string& what) {
    check(written < 0 ? static_cast<int>(written) : ARCHIVE_OK, what);
  }

  void open() {
    ar = archive_write_new();
    entry = archive_entry_new();
    if (ar == nullptr || entry == nullptr) throw PocketDockError("tar: out of memory");
    check(archive_write_set_format_pax_restricted(ar), "format");
    check(archive_write_set_bytes_in_last_block(ar, 1), "block size");
    check(archive_write_open(ar, this, nullptr, &Impl::on_write, nullptr), "open");
  }

  void write_header(const ContextEntry& e) {
    archive_entry_clear(entry);
    archive_entry_set_pathname(entry, e.name.c_str());
    if (e.source.empty()) {
      archive_entry_set_filetype(entry, e.directory ? AE_IFDIR : AE_IFREG);
      archive_entry_set_perm(entry, static_cast<mode_t>(e.mode));
      archive_entry_set_size(entry, e.directory ? 0 : static_cast<la_int64_t>(e.content.size()));
      check(archive_write_header(ar, entry), "header of " + e.name);
      if (!e.directory && !e.content.empty()) {
        check_data(archive_write_data(ar, e.content.data(), e.content.size()), "data of " + e.name);
      }
      return;
    }
    struct stat st {};
    if (::lstat(e.source.c_str(), &st) != 0) {
      throw PocketDockError(fmt::format("cannot read {}: {}", e.source.string(), std::strerror(errno)));
    }
    archive_entry_copy_stat(entry, &st);
    archive_entry_set_pathname(entry, e.name.c_str());
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      archive_entry_set_symlink(entry, fs::read_symlink(e.source, ec).c_str());
      archive_entry_set_size(entry, 0);
    } else if (!S_ISREG(st.st_mode)) {
      archive_entry_set_size(entry, 0);
      if (!S_ISDIR(st.st_mode)) return;  // sockets, fifos, devices have no place in a context
    }
    check(archive_write_header(ar, entry), "header of " + e.name);
    if (S_ISREG(st.st_mode)) {
      file.open(e.source, std::ios::binary);
      if (!file) throw PocketDockError(fmt::format("cannot open {}", e.source.string()));
      file_name = e.name;
    }
  }

  bool step() {
    if (done) return false;
    if (ar == nullptr) open();
    if (file.is_open()) {
      file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      auto n = static_cast<std::size_t>(file.gcount());
      if (n > 0) check_data(archive_write_data(ar, buffer.data(), n), "data of " + file_name);
      if (file.eof() || n == 0) file.close();
      return true;
    }
    if (next < entries.size()) {
      write_header(entries[next++]);
      return true;
    }
    check(archive_write_close(ar), "close");
    done = true;
    return false;
  }
};

TarProducer::TarProducer(std::vector<ContextEntry> entries) : impl_(std::make_unique<Impl>()) {
  impl_->entries = std::move(entries);
}

TarProducer::~TarProducer() = default;

bool TarProducer::produce(const std::function<bool(std::string_view)>& write) {
  impl_->write = &write;
  // A few steps per call, so small entries do not each cost a round of the HTTP client.
  bool more = true;
  for (int i = 0; i < 16 && more; ++i) more = impl_->step();
  impl_->write = nullptr;
  return more;
}

}  // namespace pocketdock::detail
