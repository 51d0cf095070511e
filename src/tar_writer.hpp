#pragma once
// Streaming tar writing with libarchive (pax format: UTF-8 names, any size). Each block
// libarchive fills goes to the sink at once: the archive is never held whole in memory.

#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

struct archive;

namespace pocketdock::detail {

/// Takes the next piece of the archive; false means the receiver is gone.
using TarSink = std::function<bool(std::string_view)>;

class TarWriter {
 public:
  explicit TarWriter(TarSink sink);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void add_directory(const std::string& path, std::uint32_t mode, std::int64_t mtime);
  void add_symlink(const std::string& path, const std::string& target, std::int64_t mtime);
  /// Starts a regular file of exactly `size` bytes: follow with `write_data` calls (libarchive
  /// pads a short file with zeros).
  void begin_file(const std::string& path, std::uint32_t mode, std::int64_t size, std::int64_t mtime);
  void write_data(std::string_view data);
  /// Writes the end-of-archive blocks and flushes. Idempotent.
  void close();

 private:
  static long write_callback(struct archive* a, void* self, const void* buffer, std::size_t length);
  void add(const std::string& path, unsigned int filetype, std::uint32_t mode, std::int64_t size, std::int64_t mtime,
           const std::string* symlink);
  [[noreturn]] void fail(const char* what);

  TarSink sink_;
  struct archive* archive_ = nullptr;
  std::exception_ptr sink_error_;
  bool closed_ = false;
};

}  // namespace pocketdock::detail
