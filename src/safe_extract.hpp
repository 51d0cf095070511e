#pragma once
// Extraction of an untrusted tar on the host that never creates or changes anything outside
// its root: every path component is opened relative to its parent with O_NOFOLLOW (a symlink,
// even one made by this archive, is never followed), files are written to a temporary name and
// renamed into place (an existing link is replaced, never written through), and entries that
// would escape (absolute, "..", symlinks whose target leaves the extracted tree, hardlinks to
// outside) or are special files are rejected and listed. Modes are sanitized unless exact.

#include "tar_reader.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace pocketdock::detail {

class SafeExtractor {
 public:
  /// Entries land under `root` (an existing directory). The archive's first path component is
  /// replaced by `top`, or dropped when `top` is empty. With `single_file`, only one regular file
  /// whose path is that single component is accepted (it becomes `root/top`). The extracted
  /// tree is `root/top` (or `root`): no symlink may point outside it. Without `exact_modes`,
  /// setuid/setgid/sticky and world-write bits are cleared.
  /// @throws PocketDockError if `root` cannot be opened
  SafeExtractor(const std::filesystem::path& root, std::string top, bool single_file, bool exact_modes = false);
  ~SafeExtractor();
  SafeExtractor(const SafeExtractor&) = delete;
  SafeExtractor& operator=(const SafeExtractor&) = delete;

  /// Extracts the current entry (reading its data from `reader`), or records why it is rejected.
  /// @throws PocketDockError for a host I/O failure (disk full...)
  void extract(TarReader& reader, const TarEntry& entry);
  /// Applies the directory modes. @throws UnsafeArchive listing the rejected entries, if any.
  void finish();

  [[nodiscard]] const std::vector<std::string>& rejected() const noexcept { return rejected_; }
  [[nodiscard]] std::size_t extracted() const noexcept { return extracted_; }

 private:
  bool map(const TarEntry& entry, std::vector<std::string>& out);
  int open_parent(const std::vector<std::string>& comps, bool create, const TarEntry& entry);
  void reject(const TarEntry& entry, const std::string& reason);
  void write_file(int parent, const std::string& name, TarReader& reader, const TarEntry& entry);
  void make_directory(int parent, const std::string& name, const std::vector<std::string>& comps,
                      const TarEntry& entry);
  [[nodiscard]] std::uint32_t host_mode(const TarEntry& entry) const noexcept;
  [[nodiscard]] bool symlink_escapes(const std::vector<std::string>& comps, const std::string& target) const;
  void place(int parent, const std::string& tmp, const std::string& name, const TarEntry& entry);

  int root_fd_ = -1;
  std::filesystem::path root_;
  std::string top_;
  bool single_file_;
  bool exact_modes_;
  std::vector<std::string> rejected_;
  std::vector<std::pair<std::vector<std::string>, std::uint32_t>> dir_modes_;
  std::size_t extracted_ = 0;
  std::size_t counter_ = 0;
};

/// Splits a relative archive path into components, dropping "" and "."; false (with `why`) for
/// an absolute path or a ".." component.
[[nodiscard]] bool split_archive_path(const std::string& path, std::vector<std::string>& out, std::string& why);

}  // namespace pocketdock::detail
