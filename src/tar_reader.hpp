#pragma once
// Streaming tar reading with libarchive: the archive is pulled chunk by chunk from a source
// (an HTTP body), never held whole in memory.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

struct archive;

namespace pocketdock::detail {

enum class TarEntryType { file, directory, symlink, hardlink, character_device, block_device, fifo, socket, other };

[[nodiscard]] const char* to_string(TarEntryType type) noexcept;

struct TarEntry {
  std::string path;  ///< as stored (UTF-8)
  TarEntryType type = TarEntryType::other;
  std::uint32_t mode = 0;  ///< permission bits (07777)
  std::int64_t size = 0;
  std::int64_t mtime = 0;   ///< seconds since the epoch
  std::string link_target;  ///< symlink target, or the archive path a hardlink points to
};

/// Gives the next piece of the archive; an empty view at the end. The view must stay valid until
/// the next call. May throw: the exception reaches the caller of `next`/`read`.
using TarSource = std::function<std::string_view()>;

class TarReader {
 public:
  /// @throws SocketCommunicationError if libarchive cannot be set up
  explicit TarReader(TarSource source);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  /// Advances to the next entry (skipping the rest of the current one's data).
  /// Returns false at the end. @throws SocketCommunicationError for a malformed archive, or
  /// whatever the source threw.
  bool next(TarEntry& entry);
  /// Reads the current entry's data; 0 at its end.
  std::size_t read(char* buffer, std::size_t size);
  /// The current entry's next block of data, without a copy: `block` views libarchive's buffer
  /// until the next call, `offset` is where it goes in the file (a sparse entry skips its holes).
  /// Returns false at the entry's end. @throws as `next`
  bool read_block(std::string_view& block, std::int64_t& offset);

 private:
  static long read_callback(struct archive* a, void* self, const void** buffer);
  [[noreturn]] void fail(const char* what);

  TarSource source_;
  struct archive* archive_ = nullptr;
  std::exception_ptr source_error_;
};

}  // namespace pocketdock::detail
