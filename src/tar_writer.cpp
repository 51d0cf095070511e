#include "tar_writer.hpp"

#include <pocketdock/errors.hpp>

#include <archive.h>
#include <archive_entry.h>

#include <fmt/format.h>

#include <memory>

namespace pocketdock::detail {
namespace {

struct EntryDeleter {
  void operator()(struct archive_entry* e) const noexcept { archive_entry_free(e); }
};

}  // namespace

TarWriter::TarWriter(TarSink sink) : sink_(std::move(sink)) {
  archive_ = archive_write_new();
  if (archive_ == nullptr) throw SocketCommunicationError("libarchive: out of memory");
  archive_write_set_format_pax_restricted(archive_);
  archive_write_add_filter_none(archive_);
  // No blocking: every piece goes to the sink as written (libarchive would cut it into 10 KiB
  // blocks, one HTTP chunk each).
  archive_write_set_bytes_per_block(archive_, 0);
  archive_write_set_bytes_in_last_block(archive_, 1);
  // Names are UTF-8 bytes already: write them as they are. (Conversion from the locale's charset
  // would fail for non-ASCII names in the C locale, and crashes libarchive 3.6.)
  if (archive_write_set_format_option(archive_, "pax", "hdrcharset", "BINARY") < ARCHIVE_WARN) {
    fail("setting the header charset");
  }
  if (archive_write_open(archive_, this, nullptr, &TarWriter::write_callback, nullptr) != ARCHIVE_OK) {
    fail("cannot start the archive");
  }
}

TarWriter::~TarWriter() {
  refusing_ = true;                                       // a writer destroyed unclosed sends nothing more
  if (archive_ != nullptr) archive_write_free(archive_);  // also closes, which frees its state
}

long TarWriter::write_callback(struct archive*, void* self, const void* buffer, std::size_t length) {
  auto* w = static_cast<TarWriter*>(self);
  // A failed data write puts libarchive 3.6 in a state where its write filters' state is never
  // freed (seen by LeakSanitizer), so a sink failure is not reported to it: the rest of that
  // write is swallowed and the caller sees `sink_error_`. Writes made while closing an
  // abandoned writer (padding, end blocks) are refused, which ends them at once and leaks nothing.
  if (w->refusing_) return -1;
  if (w->sink_error_) return static_cast<long>(length);
  try {
    if (!w->sink_(std::string_view(static_cast<const char*>(buffer), length))) {
      throw SocketCommunicationError("the engine stopped reading the archive upload");
    }
  } catch (...) {
    // Exceptions must not cross libarchive's C frames.
    if (!w->sink_error_) w->sink_error_ = std::current_exception();
  }
  return static_cast<long>(length);
}

void TarWriter::fail(const char* what) {
  if (sink_error_) std::rethrow_exception(sink_error_);
  const char* detail = archive_error_string(archive_);
  throw PocketDockError(fmt::format("building the archive: {}: {}", what, detail != nullptr ? detail : "?"));
}

void TarWriter::add(const std::string& path, unsigned int filetype, std::uint32_t mode, std::int64_t size,
                    std::int64_t mtime, const std::string* symlink) {
  std::unique_ptr<struct archive_entry, EntryDeleter> e(archive_entry_new());
  if (!e) throw PocketDockError("libarchive: out of memory");
  archive_entry_set_pathname(e.get(), path.c_str());
  archive_entry_set_filetype(e.get(), filetype);
  archive_entry_set_perm(e.get(), static_cast<__LA_MODE_T>(mode & 07777U));
  archive_entry_set_size(e.get(), size);
  archive_entry_set_mtime(e.get(), mtime, 0);
  archive_entry_set_uid(e.get(), 0);
  archive_entry_set_gid(e.get(), 0);
  archive_entry_set_uname(e.get(), "root");
  archive_entry_set_gname(e.get(), "root");
  if (symlink != nullptr) archive_entry_set_symlink(e.get(), symlink->c_str());
  if (archive_write_header(archive_, e.get()) < ARCHIVE_WARN) fail("writing an entry header");
  if (sink_error_) std::rethrow_exception(sink_error_);
}

void TarWriter::add_directory(const std::string& path, std::uint32_t mode, std::int64_t mtime) {
  add(path, AE_IFDIR, mode, 0, mtime, nullptr);
}

void TarWriter::add_symlink(const std::string& path, const std::string& target, std::int64_t mtime) {
  add(path, AE_IFLNK, 0777, 0, mtime, &target);
}

void TarWriter::begin_file(const std::string& path, std::uint32_t mode, std::int64_t size, std::int64_t mtime) {
  add(path, AE_IFREG, mode, size, mtime, nullptr);
}

void TarWriter::write_data(std::string_view data) {
  while (!data.empty()) {
    la_ssize_t n = archive_write_data(archive_, data.data(), data.size());
    if (n < 0) fail("writing file data");
    if (sink_error_) std::rethrow_exception(sink_error_);
    if (n == 0) break;  // more than the declared size: libarchive drops the excess
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void TarWriter::close() {
  if (closed_) return;
  closed_ = true;
  if (archive_write_close(archive_) < ARCHIVE_WARN) fail("finishing the archive");
  if (sink_error_) std::rethrow_exception(sink_error_);
}

void TarWriter::abandon() noexcept {
  if (closed_) return;
  closed_ = true;
  // A close whose writes are refused, not archive_write_fail, which leaks (see write_callback).
  refusing_ = true;
  (void)archive_write_close(archive_);
}

std::string tar_file_headers(const std::vector<TarDirectory>& dirs, const std::string& path, std::uint32_t mode,
                             std::int64_t size, std::int64_t mtime) {
  std::string out;
  TarWriter w([&out](std::string_view data) {
    out.append(data);
    return true;
  });
  for (const auto& d : dirs) w.add_directory(d.path, d.mode, d.mtime);
  w.begin_file(path, mode, size, mtime);
  w.abandon();
  return out;
}

}  // namespace pocketdock::detail
