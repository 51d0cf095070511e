#pragma once
// Streaming tar writing with libarchive (pax format: UTF-8 names, any size). Each block
// libarchive fills goes to the sink at once: the archive is never held whole in memory.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

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
  /// Ends without end-of-archive blocks or padding: nothing more reaches the sink, and what was
  /// written stays as it is.
  void abandon() noexcept;

 private:
  static long write_callback(struct archive* a, void* self, const void* buffer, std::size_t length);
  void add(const std::string& path, unsigned int filetype, std::uint32_t mode, std::int64_t size, std::int64_t mtime,
           const std::string* symlink);
  [[noreturn]] void fail(const char* what);

  TarSink sink_;
  struct archive* archive_ = nullptr;
  std::exception_ptr sink_error_;
  bool closed_ = false;
  bool refusing_ = false;  ///< abandoned or destroyed: libarchive's last writes are refused
};

/// A directory entry written before a file (the parents an upload creates).
struct TarDirectory {
  std::string path;
  std::uint32_t mode = 0755;
  std::int64_t mtime = 0;
};

/// The block size of tar and the end-of-archive blocks TarWriter writes (two zero blocks).
inline constexpr std::size_t kTarBlock = 512;
inline constexpr std::size_t kTarEndBytes = 2 * kTarBlock;

/// The bytes TarWriter writes before a regular file's data: the entries of `dirs`, then the
/// file's header. libarchive's own bytes (a writer into memory, abandoned before its end
/// blocks), so an archive of one file can be sent with its length known before any data is
/// read: these headers, `size` bytes of data, then `tar_tail_bytes(size)` zeros.
/// @throws PocketDockError (libarchive failed)
[[nodiscard]] std::string tar_file_headers(const std::vector<TarDirectory>& dirs, const std::string& path,
                                           std::uint32_t mode, std::int64_t size, std::int64_t mtime);

/// The zeros after `size` bytes of file data: padding to a whole block, then the end blocks.
[[nodiscard]] constexpr std::uint64_t tar_tail_bytes(std::uint64_t size) noexcept {
  return (kTarBlock - size % kTarBlock) % kTarBlock + kTarEndBytes;
}

}  // namespace pocketdock::detail
