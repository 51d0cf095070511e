#include "safe_extract.hpp"

#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include <utility>

namespace pocketdock::detail {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) noexcept : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }
  void reset(int fd) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string errno_text() { return std::strerror(errno); }

}  // namespace

bool split_archive_path(const std::string& path, std::vector<std::string>& out, std::string& why) {
  out.clear();
  if (!path.empty() && path.front() == '/') {
    why = "absolute path";
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string comp = path.substr(start, slash - start);
    if (comp == "..") {
      why = "path contains '..'";
      return false;
    }
    if (!comp.empty() && comp != ".") out.push_back(std::move(comp));
    start = slash + 1;
  }
  return true;
}

SafeExtractor::SafeExtractor(const std::filesystem::path& root, std::string top, bool single_file, bool exact_modes)
    : root_(root), top_(std::move(top)), single_file_(single_file), exact_modes_(exact_modes) {
  root_fd_ = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) throw PocketDockError(fmt::format("cannot open {}: {}", root.string(), errno_text()));
}

SafeExtractor::~SafeExtractor() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

std::uint32_t SafeExtractor::host_mode(const TarEntry& entry) const noexcept {
  // Default: no setuid/setgid/sticky, nothing world-writable; executable bits stay.
  return exact_modes_ ? (entry.mode & 07777U) : (entry.mode & 0775U);
}

bool SafeExtractor::symlink_escapes(const std::vector<std::string>& comps, const std::string& target) const {
  if (target.empty() || target.front() == '/') return true;
  // The target is resolved lexically against the link's directory inside the extracted tree
  // (`root/top`, or `root`): only leading ".." components, no more of them than the link's depth
  // in that tree. (A ".." after a name could climb out through another link: "x/.." with
  // x -> "." resolves above the link's directory.) The link's parents are real directories, as
  // extraction never goes through a symlink, so such targets cannot escape, even chained.
  long depth = static_cast<long>(comps.size()) - 1 - (top_.empty() ? 0 : 1);
  bool named = false;
  std::size_t start = 0;
  while (start <= target.size()) {
    std::size_t slash = target.find('/', start);
    if (slash == std::string::npos) slash = target.size();
    std::string_view comp(target.data() + start, slash - start);
    if (comp == "..") {
      if (named || --depth < 0) return true;
    } else if (!comp.empty() && comp != ".") {
      named = true;
    }
    start = slash + 1;
  }
  return depth < 0;
}

void SafeExtractor::reject(const TarEntry& entry, const std::string& reason) {
  rejected_.push_back(fmt::format("{}: {}", entry.path, reason));
}

bool SafeExtractor::map(const TarEntry& entry, std::vector<std::string>& out) {
  std::string why;
  if (!split_archive_path(entry.path, out, why)) {
    reject(entry, why);
    return false;
  }
  if (out.empty()) return true;
  if (top_.empty()) {
    out.erase(out.begin());
  } else {
    out.front() = top_;
  }
  return true;
}

int SafeExtractor::open_parent(const std::vector<std::string>& comps, bool create, const TarEntry& entry) {
  Fd current(::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0));
  if (current.get() < 0) throw PocketDockError(fmt::format("dup: {}", errno_text()));
  for (std::size_t i = 0; i + 1 < comps.size(); ++i) {
    int next = ::openat(current.get(), comps[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0 && errno == ENOENT && create) {
      if (::mkdirat(current.get(), comps[i].c_str(), 0755) != 0 && errno != EEXIST) {
        throw PocketDockError(fmt::format("cannot create {}: {}", (root_ / comps[i]).string(), errno_text()));
      }
      next = ::openat(current.get(), comps[i].c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (next < 0) {
      if (errno == ELOOP || errno == ENOTDIR) {
        reject(entry, "path goes through a symlink or a non-directory");
      } else {
        reject(entry, fmt::format("parent directory unavailable: {}", errno_text()));
      }
      return -1;
    }
    current.reset(next);
  }
  return current.release();
}

void SafeExtractor::place(int parent, const std::string& tmp, const std::string& name, const TarEntry& entry) {
  if (::renameat(parent, tmp.c_str(), parent, name.c_str()) != 0) {
    int saved = errno;
    ::unlinkat(parent, tmp.c_str(), 0);
    errno = saved;
    reject(entry, fmt::format("cannot replace the existing entry: {}", errno_text()));
    return;
  }
  ++extracted_;
}

void SafeExtractor::write_file(int parent, const std::string& name, TarReader& reader, const TarEntry& entry) {
  std::string tmp = fmt::format(".pocketdock-tmp-{}-{}", ::getpid(), counter_++);
  Fd out(::openat(parent, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (out.get() < 0) throw PocketDockError(fmt::format("cannot create a file in {}: {}", root_.string(), errno_text()));
  try {
    // Blocks straight from libarchive's buffer; a sparse entry's holes stay holes.
    std::string_view block;
    std::int64_t offset = 0;
    std::int64_t end = 0;
    while (reader.read_block(block, offset)) {
      while (!block.empty()) {
        ssize_t w = ::pwrite(out.get(), block.data(), block.size(), static_cast<off_t>(offset));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) throw PocketDockError(fmt::format("writing {}: {}", (root_ / name).string(), errno_text()));
        block.remove_prefix(static_cast<std::size_t>(w));
        offset += w;
      }
      end = std::max(end, offset);
    }
    if (entry.size > end && ::ftruncate(out.get(), static_cast<off_t>(entry.size)) != 0) {
      throw PocketDockError(fmt::format("writing {}: {}", (root_ / name).string(), errno_text()));
    }
  } catch (...) {
    ::unlinkat(parent, tmp.c_str(), 0);
    throw;
  }
  ::fchmod(out.get(), static_cast<mode_t>(host_mode(entry)));
  timespec times[2] = {{entry.mtime, 0}, {entry.mtime, 0}};
  ::futimens(out.get(), times);
  place(parent, tmp, name, entry);
}

void SafeExtractor::make_directory(int parent, const std::string& name, const std::vector<std::string>& comps,
                                   const TarEntry& entry) {
  struct stat st {};
  if (::fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
    // A file or link of that name (possibly made by this archive) is replaced, never followed.
    ::unlinkat(parent, name.c_str(), 0);
  }
  if (::mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
    reject(entry, fmt::format("cannot create the directory: {}", errno_text()));
    return;
  }
  dir_modes_.emplace_back(comps, host_mode(entry));
  ++extracted_;
}

void SafeExtractor::extract(TarReader& reader, const TarEntry& entry) {
  std::vector<std::string> comps;
  if (!map(entry, comps)) return;
  if (single_file_ && (entry.type != TarEntryType::file || comps.size() != 1)) {
    reject(entry, fmt::format("unexpected {} in the archive of a single file", to_string(entry.type)));
    return;
  }
  switch (entry.type) {
    case TarEntryType::file:
    case TarEntryType::directory:
    case TarEntryType::symlink:
    case TarEntryType::hardlink: break;
    case TarEntryType::character_device:
    case TarEntryType::block_device: reject(entry, "device node"); return;
    default: reject(entry, to_string(entry.type)); return;
  }
  if (comps.empty()) {
    // The top directory itself, extracted as the root.
    if (entry.type == TarEntryType::directory) {
      dir_modes_.emplace_back(comps, host_mode(entry));
      ++extracted_;
    } else {
      reject(entry, fmt::format("a {} cannot replace the destination directory", to_string(entry.type)));
    }
    return;
  }
  if (entry.type == TarEntryType::symlink && symlink_escapes(comps, entry.link_target)) {
    reject(entry, entry.link_target.empty() || entry.link_target.front() == '/'
                      ? fmt::format("symlink to an absolute path ({})", entry.link_target)
                      : fmt::format("symlink leaves the pulled tree ({})", entry.link_target));
    return;
  }
  Fd parent(open_parent(comps, true, entry));
  if (parent.get() < 0) return;
  const std::string& name = comps.back();
  switch (entry.type) {
    case TarEntryType::file: write_file(parent.get(), name, reader, entry); return;
    case TarEntryType::directory: make_directory(parent.get(), name, comps, entry); return;
    case TarEntryType::symlink: {
      std::string tmp = fmt::format(".pocketdock-tmp-{}-{}", ::getpid(), counter_++);
      if (::symlinkat(entry.link_target.c_str(), parent.get(), tmp.c_str()) != 0) {
        reject(entry, fmt::format("cannot create the symlink: {}", errno_text()));
        return;
      }
      place(parent.get(), tmp, name, entry);
      return;
    }
    case TarEntryType::hardlink: {
      TarEntry target_entry = entry;
      target_entry.path = entry.link_target;
      std::vector<std::string> target;
      std::string why;
      if (!split_archive_path(entry.link_target, target, why)) {
        reject(entry, fmt::format("hardlink target outside the destination ({}: {})", entry.link_target, why));
        return;
      }
      if (target.empty()) {
        reject(entry, "hardlink to the destination directory");
        return;
      }
      if (top_.empty()) {
        target.erase(target.begin());
      } else {
        target.front() = top_;
      }
      if (target.empty()) {
        reject(entry, "hardlink to the destination directory");
        return;
      }
      std::size_t before = rejected_.size();
      Fd target_parent(open_parent(target, false, entry));
      if (target_parent.get() < 0) {
        rejected_.resize(before);
        reject(entry, fmt::format("hardlink target not inside the destination ({})", entry.link_target));
        return;
      }
      struct stat st {};
      if (::fstatat(target_parent.get(), target.back().c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 ||
          !S_ISREG(st.st_mode)) {
        reject(entry, fmt::format("hardlink target is not a file extracted here ({})", entry.link_target));
        return;
      }
      std::string tmp = fmt::format(".pocketdock-tmp-{}-{}", ::getpid(), counter_++);
      if (::linkat(target_parent.get(), target.back().c_str(), parent.get(), tmp.c_str(), 0) != 0) {
        reject(entry, fmt::format("cannot create the hardlink: {}", errno_text()));
        return;
      }
      place(parent.get(), tmp, name, entry);
      return;
    }
    default: return;
  }
}

void SafeExtractor::finish() {
  // Deepest first, so a read-only directory does not block setting its children.
  std::sort(dir_modes_.begin(), dir_modes_.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [comps, mode] : dir_modes_) {
    TarEntry dummy;
    std::size_t before = rejected_.size();
    int fd = -1;
    if (comps.empty()) {
      fd = ::fcntl(root_fd_, F_DUPFD_CLOEXEC, 0);
    } else {
      Fd parent(open_parent(comps, false, dummy));
      if (parent.get() >= 0) {
        fd = ::openat(parent.get(), comps.back().c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
    }
    rejected_.resize(before);
    if (fd < 0) continue;
    ::fchmod(fd, static_cast<mode_t>(mode));
    ::close(fd);
  }
  dir_modes_.clear();
  if (!rejected_.empty()) {
    std::string list;
    for (const auto& r : rejected_) list += "\n  " + r;
    throw UnsafeArchive(fmt::format("{} unsafe archive entr{} rejected while extracting into {}:{}", rejected_.size(),
                                    rejected_.size() == 1 ? "y" : "ies", root_.string(), list),
                        rejected_);
  }
}

}  // namespace pocketdock::detail
