#include "tar_reader.hpp"

#include <pocketdock/errors.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

namespace pocketdock::detail {

const char* to_string(TarEntryType type) noexcept {
  switch (type) {
    case TarEntryType::file: return "file";
    case TarEntryType::directory: return "directory";
    case TarEntryType::symlink: return "symlink";
    case TarEntryType::hardlink: return "hardlink";
    case TarEntryType::character_device: return "character device";
    case TarEntryType::block_device: return "block device";
    case TarEntryType::fifo: return "FIFO";
    case TarEntryType::socket: return "socket";
    case TarEntryType::other: return "unknown entry type";
  }
  return "unknown entry type";
}

TarReader::TarReader(TarSource source) : source_(std::move(source)) {
  archive_ = archive_read_new();
  if (archive_ == nullptr) throw SocketCommunicationError("libarchive: out of memory");
  archive_read_support_format_tar(archive_);
  archive_read_support_format_empty(archive_);
  if (archive_read_open(archive_, this, nullptr, &TarReader::read_callback, nullptr) != ARCHIVE_OK) {
    // No destructor runs for a constructor that throws: the archive is freed here.
    try {
      fail("cannot open the archive");
    } catch (...) {
      archive_read_free(archive_);
      archive_ = nullptr;
      throw;
    }
  }
}

TarReader::~TarReader() {
  if (archive_ != nullptr) archive_read_free(archive_);
}

long TarReader::read_callback(struct archive*, void* self, const void** buffer) {
  auto* r = static_cast<TarReader*>(self);
  try {
    std::string_view chunk = r->source_();
    *buffer = chunk.data();
    return static_cast<long>(chunk.size());
  } catch (...) {
    // Exceptions must not cross libarchive's C frames: keep it and rethrow after it returns.
    r->source_error_ = std::current_exception();
    return -1;
  }
}

void TarReader::fail(const char* what) {
  if (source_error_) std::rethrow_exception(source_error_);
  const char* detail = archive_error_string(archive_);
  throw SocketCommunicationError(fmt::format("malformed archive: {}: {}", what, detail != nullptr ? detail : "?"));
}

bool TarReader::next(TarEntry& entry) {
  struct archive_entry* e = nullptr;
  int rc = archive_read_next_header(archive_, &e);
  if (rc == ARCHIVE_EOF) {
    if (source_error_) std::rethrow_exception(source_error_);
    return false;
  }
  if (rc < ARCHIVE_WARN) fail("reading an entry header");
  const char* utf8 = archive_entry_pathname_utf8(e);
  const char* raw = archive_entry_pathname(e);
  entry.path = utf8 != nullptr ? utf8 : (raw != nullptr ? raw : "");
  entry.mode = static_cast<std::uint32_t>(archive_entry_perm(e)) & 07777U;
  entry.size = archive_entry_size_is_set(e) != 0 ? archive_entry_size(e) : 0;
  entry.mtime = archive_entry_mtime(e);
  entry.link_target.clear();
  const char* hard = archive_entry_hardlink_utf8(e);
  if (hard == nullptr) hard = archive_entry_hardlink(e);
  if (hard != nullptr) {
    entry.type = TarEntryType::hardlink;
    entry.link_target = hard;
    return true;
  }
  switch (archive_entry_filetype(e)) {
    case AE_IFREG: entry.type = TarEntryType::file; break;
    case AE_IFDIR: entry.type = TarEntryType::directory; break;
    case AE_IFLNK: {
      entry.type = TarEntryType::symlink;
      const char* target = archive_entry_symlink_utf8(e);
      if (target == nullptr) target = archive_entry_symlink(e);
      entry.link_target = target != nullptr ? target : "";
      break;
    }
    case AE_IFCHR: entry.type = TarEntryType::character_device; break;
    case AE_IFBLK: entry.type = TarEntryType::block_device; break;
    case AE_IFIFO: entry.type = TarEntryType::fifo; break;
    case AE_IFSOCK: entry.type = TarEntryType::socket; break;
    default: entry.type = TarEntryType::other; break;
  }
  return true;
}

std::size_t TarReader::read(char* buffer, std::size_t size) {
  la_ssize_t n = archive_read_data(archive_, buffer, size);
  if (n < 0) fail("reading entry data");
  return static_cast<std::size_t>(n);
}

bool TarReader::read_block(std::string_view& block, std::int64_t& offset) {
  const void* data = nullptr;
  std::size_t size = 0;
  la_int64_t at = 0;
  int rc = archive_read_data_block(archive_, &data, &size, &at);
  if (rc == ARCHIVE_EOF) return false;
  if (rc < ARCHIVE_WARN) fail("reading entry data");
  block = std::string_view(static_cast<const char*>(data), size);
  offset = at;
  return true;
}

}  // namespace pocketdock::detail
