// Container file methods: write_file, read_file, list_files, list_entries, push, pull.
// Files stream through the archive endpoints, except on tmpfs-like mounts (which the endpoints
// mishandle), where `sh`/`cat` execs carry them. No caller value is ever parsed by a program in
// the container: paths are absolute and normalised (never start with '-'), and reach a shell
// only as positional parameters.
#include "container_state.hpp"
#include "exec.hpp"
#include "exec_modes.hpp"
#include "safe_extract.hpp"
#include "tar_reader.hpp"
#include "tar_writer.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/files.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <functional>
#include <optional>

namespace pocketdock {
namespace detail {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kUploadPiece = 256 * 1024;  // a piece of a file in a pushed tree
constexpr int kMaxSymlinkHops = 8;
constexpr std::size_t kStatBatchBytes = 64 * 1024;

// ---- container paths (POSIX, lexical) ----

std::string normalize(const std::string& path, const char* what) {
  if (path.find('\0') != std::string::npos) {
    throw InvalidArgument(fmt::format("{}: the container path {:?} contains a NUL byte", what, path));
  }
  if (path.empty() || path.front() != '/') {
    throw InvalidArgument(fmt::format("{}: the container path {:?} must be absolute", what, path));
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string comp = path.substr(start, slash - start);
    if (comp == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!comp.empty() && comp != ".") {
      parts.push_back(std::move(comp));
    }
    start = slash + 1;
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::string parent_of(const std::string& normalized) {
  auto slash = normalized.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : normalized.substr(0, slash);
}

std::string base_of(const std::string& normalized) {
  auto slash = normalized.find_last_of('/');
  return slash == std::string::npos ? normalized : normalized.substr(slash + 1);
}

std::string resolve_link(const std::string& link_path, const std::string& target) {
  if (!target.empty() && target.front() == '/') return normalize(target, "symlink");
  return normalize(parent_of(link_path) + "/" + target, "symlink");
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// ---- tmpfs detection ----

struct Mount {
  std::string point;
  std::string fstype;
};

std::string unescape_mount(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      auto [p, ec] = std::from_chars(s.data() + i + 1, s.data() + i + 4, v, 8);
      if (ec == std::errc() && p == s.data() + i + 4) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<Mount> parse_mounts(const std::string& text) {
  std::vector<Mount> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    auto a = line.find(' ');
    if (a == std::string_view::npos) continue;
    auto b = line.find(' ', a + 1);
    if (b == std::string_view::npos) continue;
    auto c = line.find(' ', b + 1);
    if (c == std::string_view::npos) c = line.size();
    out.push_back({unescape_mount(line.substr(a + 1, b - a - 1)), std::string(line.substr(b + 1, c - b - 1))});
  }
  return out;
}

bool is_virtual_fs(const std::string& fstype) {
  static const char* const kTypes[] = {"tmpfs",  "ramfs",  "devtmpfs", "proc",   "sysfs",
                                       "devpts", "mqueue", "cgroup",   "cgroup2"};
  return std::any_of(std::begin(kTypes), std::end(kTypes), [&](const char* t) { return fstype == t; });
}

std::vector<std::pair<std::string, std::string>> container_mounts(ContainerState& s, const std::string& id) {
  {
    std::lock_guard lock(s.mounts_mutex);
    if (s.mounts && s.mounts_of == id) return *s.mounts;
  }
  auto r = run_to_completion(*s.engine, id, Command::argv({"cat", "/proc/mounts"}), {}, s.timeout);
  // Best effort: an image without `cat` cannot be checked.
  std::vector<std::pair<std::string, std::string>> mounts;
  if (r.ok()) {
    for (auto& m : parse_mounts(r.out)) mounts.emplace_back(std::move(m.point), std::move(m.fstype));
  }
  std::lock_guard lock(s.mounts_mutex);
  s.mounts = mounts;
  s.mounts_of = id;
  return mounts;
}

/// The tmpfs-like mount (point, fstype) `path` lies on, if any. The engines' archive endpoints
/// mishandle those (Podman's GET gives an empty tar, Docker's PUT lands under the mount).
std::optional<std::pair<std::string, std::string>> virtual_mount_of(ContainerState& s, const std::string& id,
                                                                    const std::string& path) {
  auto mounts = container_mounts(s, id);
  const std::pair<std::string, std::string>* best = nullptr;
  for (const auto& m : mounts) {
    const std::string& p = m.first;
    bool under =
        p == "/" || path == p || (path.size() > p.size() && path.compare(0, p.size(), p) == 0 && path[p.size()] == '/');
    if (under && (best == nullptr || p.size() >= best->first.size())) best = &m;
  }
  if (best != nullptr && is_virtual_fs(best->second)) return *best;
  return std::nullopt;
}

/// Whole trees are not copied to or from such mounts (write_file and read_file are).
void check_not_tmpfs(ContainerState& s, const std::string& id, const std::string& path, const char* what) {
  if (auto m = virtual_mount_of(s, id, path)) {
    throw InvalidArgument(fmt::format(
        "{}: {} is on a {} mount ({}) in the container, which the engines' archive endpoints silently mishandle "
        "(Podman returns an empty archive, Docker writes under the mount); copy trees through a path on the "
        "container's own filesystem, or single files with write_file/read_file, which work there",
        what, path, m->second, m->first));
  }
}

// ---- files on tmpfs-like mounts: argv execs of sh and cat, the path a positional parameter ----

constexpr std::size_t kMaxExecErrorText = 4096;
constexpr int kExitMissing = 40;
constexpr int kExitDirectory = 41;
constexpr int kExitNotRegular = 42;
constexpr int kExitWriteFailed = 43;  ///< `cat > file` failed; the partial file is removed

// $1 is the absolute path: never an option, never parsed as code.
constexpr const char* kReadScript =
    "[ -e \"$1\" ] || exit 40; [ -d \"$1\" ] && exit 41; [ -f \"$1\" ] || exit 42; exec cat -- \"$1\"";
// $1 the absolute path, $2 the octal mode; stdin is the content.
constexpr const char* kWriteScript =
    "[ -d \"$1\" ] && exit 41; d=${1%/*}; if [ -n \"$d\" ]; then mkdir -p -- \"$d\" || exit 1; fi; "
    "if ! cat > \"$1\"; then rm -f -- \"$1\"; exit 43; fi; chmod -- \"$2\" \"$1\"";

/// Runs `argv` (stdin `input`, if any), handing its stdout to `sink` as it arrives; returns the
/// exit code and the start of stderr. If `sink` throws, the command is killed and the exception
/// goes on. Each write and read waits at most the container's timeout.
std::pair<int, std::string> exec_streaming(ContainerState& s, const std::string& id,
                                           const std::vector<std::string>& argv, std::optional<std::string_view> input,
                                           const std::function<void(std::string_view)>& sink) {
  EngineClient& engine = *s.engine;
  RunOptions run;
  if (input) run.input = std::string(*input);
  // A large input is written by its own thread while the output is read: a command that stops
  // reading (`cat` on a full disk) must not leave us blocked on a write the engine never takes.
  std::jthread writer;
  LaunchedExec ex = launch_exec(engine, id, argv, run, false, &writer, false);
  ExecReader reader(std::move(ex.stream));
  std::string err;
  try {
    auto demuxed = [&](std::uint8_t type, std::string_view payload) {
      if (type == 1) {
        sink(payload);
      } else if (type == 2 && err.size() < kMaxExecErrorText) {
        err.append(payload.substr(0, kMaxExecErrorText - err.size()));
      }
    };
    while (reader.pump(deadline_after(s.timeout), demuxed)) {
    }
  } catch (...) {
    // Drain while the kill runs: Docker stalls other execs of a container whose exec output is
    // left unread.
    auto discard = [](std::uint8_t, std::string_view) {};
    (void)kill_and_drain(engine, id, ex.token, ex.user, ex.supervised, reader, discard);
    reader.connection().interrupt();  // ends a stdin writer still waiting
    throw;
  }
  reader.connection().interrupt();  // the command ended: what it did not read is dropped
  if (reader.cut_mid_frame()) {
    throw SocketCommunicationError("exec output stream was cut inside a frame", ErrorContext{"exec start", id, "", 0});
  }
  return {exit_code_after_eof(engine, ex.exec_id), std::move(err)};
}

/// Turns the exit code of kReadScript/kWriteScript into the file methods' errors.
void check_file_exec(int code, const std::string& err, const std::string& path, const char* what,
                     const std::pair<std::string, std::string>& mount) {
  switch (code) {
    case 0: return;
    case kExitMissing: throw FileNotFound(fmt::format("{}: no such file in the container: {}", what, path));
    case kExitDirectory: throw InvalidArgument(fmt::format("{}: {} is a directory, not a file", what, path));
    case kExitNotRegular: throw InvalidArgument(fmt::format("{}: {} is not a regular file", what, path));
    case kExitWriteFailed:
      if (err.find("No space left") != std::string::npos) {
        throw NoSpaceLeft(fmt::format("{}: no space left on the {} mount at {} for {} (the partial file was removed)",
                                      what, mount.second, mount.first, path));
      }
      throw PocketDockError(fmt::format("{}: writing {} failed in the container (the partial file was removed): {}",
                                        what, path, trim(err)));
    case 126:
    case 127:
      throw PocketDockError(fmt::format(
          "{}: {} is on a {} mount ({}), where files are carried by running `sh` and `cat` in the container "
          "(the engines' archive endpoints mishandle such mounts), and the image lacks them: {}",
          what, path, mount.second, mount.first, trim(err)));
    default:
      throw PocketDockError(fmt::format("{}: {} failed in the container (exit {}): {}", what, path, code, trim(err)));
  }
}

// ---- download: libarchive reads the HTTP body straight off its connection ----

class ArchiveDownload {
 public:
  ArchiveDownload(EngineClient& engine, const std::string& id, const std::string& path)
      : body_(engine.get_archive(id, path)), reader_([this] { return body_.next(); }) {}

  TarReader& reader() { return reader_; }

 private:
  BodyReader body_;  // before reader_: the reader pulls from it
  TarReader reader_;
};

/// True if the entry belongs to the requested path: its first component is the path's name.
/// (Podman's glob matching can add siblings.) The archive of "/" has no such name.
bool belongs(const TarEntry& entry, const std::string& name) {
  if (name.empty()) return true;
  std::vector<std::string> comps;
  std::string why;
  if (!split_archive_path(entry.path, comps, why)) return true;  // unsafe: left to the extractor
  return comps.empty() || comps.front() == name;
}

/// Next entry of the requested path, skipping sibling matches.
bool next_entry(TarReader& reader, TarEntry& entry, const std::string& name) {
  while (reader.next(entry)) {
    if (belongs(entry, name)) return true;
  }
  return false;
}

/// The first entry of `path`'s archive, following a symlink given as the path itself (Docker
/// returns the link; Podman already follows it). Returns the download positioned after it.
std::unique_ptr<ArchiveDownload> open_following(EngineClient& engine, const std::string& id, const std::string& path,
                                                TarEntry& first, const char* what) {
  std::string current = path;
  for (int hop = 0; hop <= kMaxSymlinkHops; ++hop) {
    auto dl = std::make_unique<ArchiveDownload>(engine, id, current);
    // The archive names its top entry after the requested path, even for a followed link.
    if (!next_entry(dl->reader(), first, current == "/" ? std::string() : base_of(current))) {
      throw FileNotFound(fmt::format("{}: the engine returned an empty archive for {}", what, path));
    }
    if (first.type != TarEntryType::symlink) return dl;
    current = resolve_link(current, first.link_target);
  }
  throw InvalidArgument(fmt::format("{}: too many levels of symbolic links: {}", what, path));
}

// ---- upload: a pull-style producer, one bounded piece per call ----

/// Uploads an archive of unknown length (chunked): `step(writer)` writes its next entry or
/// piece and returns true while there is more.
void upload(EngineClient& engine, const std::string& id, const std::string& extract_at,
            const std::function<bool(TarWriter&)>& step) {
  BodyWriter* current = nullptr;
  TarWriter writer([&](std::string_view data) {
    if (current == nullptr) return false;
    current->write(data);
    return true;
  });
  engine.put_archive(id, extract_at, std::nullopt, [&](BodyWriter& body) {
    current = &body;
    bool more = step(writer);
    if (!more) writer.close();
    current = nullptr;
    return more;
  });
}

/// Where an upload lands: the deepest existing directory, and the missing ones below it.
struct UploadTarget {
  std::string extract_at;
  std::vector<std::string> missing;  ///< archive paths of directories to create, outermost first
  std::string prefix;                ///< "a/b/" before the top entry's name
};

UploadTarget target_for_parent(EngineClient& engine, const std::string& id, const std::string& parent,
                               const char* what) {
  UploadTarget t;
  std::deque<std::string> names;
  std::string p = parent;
  while (p != "/") {
    auto st = engine.stat_archive_path(id, p);
    if (st) {
      if (!st->is_dir) throw InvalidArgument(fmt::format("{}: {} exists and is not a directory", what, p));
      break;
    }
    names.push_front(base_of(p));
    p = parent_of(p);
  }
  t.extract_at = p;
  for (const auto& n : names) {
    t.prefix += n + "/";
    t.missing.push_back(t.prefix.substr(0, t.prefix.size() - 1));
  }
  return t;
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

/// One regular file (with the parents `target` creates): its archive's length is known from
/// libarchive's headers before any data is read, so it goes with a Content-Length. `send_data`
/// writes the file's data and returns how much it wrote: a file that holds fewer bytes than its
/// size at open (it shrank, or its size lies, as a sysfs file's does) is padded with zeros to
/// that size, so the announced length always holds.
void upload_file(EngineClient& engine, const std::string& id, const UploadTarget& target, const std::string& name,
                 std::uint32_t mode, std::uint64_t size, std::int64_t mtime,
                 const std::function<std::uint64_t(BodyWriter&)>& send_data) {
  std::vector<TarDirectory> dirs;
  for (const auto& m : target.missing) dirs.push_back({.path = m, .mode = 0755, .mtime = now_seconds()});
  std::string headers = tar_file_headers(dirs, name, mode, static_cast<std::int64_t>(size), mtime);
  std::uint64_t length = headers.size() + size + tar_tail_bytes(size);
  engine.put_archive(id, target.extract_at, length, [&](BodyWriter& body) {
    body.write(headers);
    std::uint64_t sent = send_data(body);
    body.write_zeros(size - sent + tar_tail_bytes(size));
    return false;
  });
}

/// Pushes `src` when it is a regular file (by sendfile); false if it is not one once opened.
bool push_regular_file(EngineClient& engine, const std::string& id, const UploadTarget& target, const std::string& name,
                       const fs::path& src) {
  int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw FileNotFound(fmt::format("push: cannot open {}: {}", src.string(), std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    throw FileNotFound(fmt::format("push: cannot read {}: {}", src.string(), std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return false;
  auto size = static_cast<std::uint64_t>(st.st_size);
  upload_file(engine, id, target, name, static_cast<std::uint32_t>(st.st_mode & 07777), size, st.st_mtim.tv_sec,
              [&](BodyWriter& body) { return body.write_file(fd, 0, size); });
  return true;
}

/// Streams a host tree (file, directory or symlink) as archive entries under `top`.
class HostTreeProducer {
 public:
  HostTreeProducer(fs::path src, std::string top, std::vector<std::string> missing)
      : src_(std::move(src)), top_(std::move(top)), missing_(std::move(missing)) {}
  ~HostTreeProducer() {
    if (fd_ >= 0) ::close(fd_);
  }
  HostTreeProducer(const HostTreeProducer&) = delete;
  HostTreeProducer& operator=(const HostTreeProducer&) = delete;

  bool step(TarWriter& w) {
    if (fd_ >= 0) return copy_some(w);
    if (next_missing_ < missing_.size()) {
      w.add_directory(missing_[next_missing_++], 0755, now_seconds());
      return true;
    }
    if (!started_) {
      started_ = true;
      add(w, src_, top_);
      if (fs::is_directory(fs::symlink_status(src_))) it_.emplace(src_, fs::directory_options::none);
      return true;
    }
    if (!it_ || *it_ == fs::recursive_directory_iterator()) return false;
    fs::path p = (*it_)->path();
    ++*it_;
    add(w, p, top_ + "/" + p.lexically_relative(src_).generic_string());
    return true;
  }

 private:
  void add(TarWriter& w, const fs::path& p, const std::string& name) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0)
      throw FileNotFound(fmt::format("push: cannot read {}: {}", p.string(), std::strerror(errno)));
    auto mode = static_cast<std::uint32_t>(st.st_mode & 07777);
    if (S_ISDIR(st.st_mode)) {
      w.add_directory(name, mode, st.st_mtim.tv_sec);
    } else if (S_ISLNK(st.st_mode)) {
      w.add_symlink(name, fs::read_symlink(p).string(), st.st_mtim.tv_sec);
    } else if (S_ISREG(st.st_mode)) {
      fd_ = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
      if (fd_ < 0) throw FileNotFound(fmt::format("push: cannot open {}: {}", p.string(), std::strerror(errno)));
      remaining_ = st.st_size;
      w.begin_file(name, mode, st.st_size, st.st_mtim.tv_sec);
    }
    // Sockets, FIFOs and devices are skipped.
  }

  bool copy_some(TarWriter& w) {
    buffer_.resize(kUploadPiece);
    auto want = static_cast<std::size_t>(std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(kUploadPiece)));
    ssize_t n = want == 0 ? 0 : ::read(fd_, buffer_.data(), want);
    if (n < 0 && errno == EINTR) return true;
    if (n < 0) throw PocketDockError(fmt::format("push: reading {}: {}", src_.string(), std::strerror(errno)));
    if (n == 0 && remaining_ > 0) {
      // The file shrank while being sent: pad to the size already announced.
      std::fill(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(want), '\0');
      n = static_cast<ssize_t>(want);
    }
    w.write_data(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
    remaining_ -= n;
    if (remaining_ <= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return true;
  }

  fs::path src_;
  std::string top_;
  std::vector<std::string> missing_;
  std::size_t next_missing_ = 0;
  bool started_ = false;
  std::optional<fs::recursive_directory_iterator> it_;
  int fd_ = -1;
  std::int64_t remaining_ = 0;
  std::vector<char> buffer_;
};

FileType file_type_of(unsigned long raw_mode) {
  switch (raw_mode & 0170000UL) {
    case 0100000UL: return FileType::file;
    case 0040000UL: return FileType::directory;
    case 0120000UL: return FileType::symlink;
    default: return FileType::other;
  }
}

std::string join(const std::string& dir, const std::string& name) {
  return dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
}

/// Parses "%f %s %Y" lines of `stat -c`.
bool parse_stat_line(std::string_view line, FileEntry& e) {
  unsigned long raw = 0;
  std::uint64_t size = 0;
  std::int64_t mtime = 0;
  const char* p = line.data();
  const char* end = line.data() + line.size();
  auto r1 = std::from_chars(p, end, raw, 16);
  if (r1.ec != std::errc() || r1.ptr == end) return false;
  auto r2 = std::from_chars(r1.ptr + 1, end, size);
  if (r2.ec != std::errc() || r2.ptr == end) return false;
  auto r3 = std::from_chars(r2.ptr + 1, end, mtime);
  if (r3.ec != std::errc()) return false;
  e.type = file_type_of(raw);
  e.mode = static_cast<std::uint32_t>(raw & 07777UL);
  e.size = size;
  e.mtime = std::chrono::system_clock::time_point(std::chrono::seconds(mtime));
  return true;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace
}  // namespace detail

namespace detail {
namespace {

/// Streams the file at normalised `p` to `sink`; FileTooLarge if it is bigger than `cap`
/// (checked against the archive header's size before any data, then against the bytes).
void read_into(ContainerState& s, const std::string& path, const char* what, std::optional<std::uint64_t> cap,
               const std::function<void(std::string_view)>& sink) {
  std::string id = s.current_id();
  std::string p = normalize(path, what);
  std::uint64_t total = 0;
  auto counted = [&](std::string_view data) {
    total += data.size();
    if (cap && total > *cap) {
      throw FileTooLarge(fmt::format(
          "{}: {} is larger than the limit of {} bytes (stream it with read_file_to or pull)", what, path, *cap));
    }
    sink(data);
  };
  if (auto mount = virtual_mount_of(s, id, p)) {
    auto [code, err] = exec_streaming(s, id, {"sh", "-c", kReadScript, "pocketdock-read", p}, std::nullopt, counted);
    check_file_exec(code, err, path, what, *mount);
    return;
  }
  TarEntry first;
  auto dl = open_following(*s.engine, id, p, first, what);
  if (first.type == TarEntryType::directory) {
    throw InvalidArgument(fmt::format("{}: {} is a directory, not a file", what, path));
  }
  if (first.type != TarEntryType::file) {
    throw InvalidArgument(fmt::format("{}: {} is a {}, not a regular file", what, path, to_string(first.type)));
  }
  // The header's size is untrusted: it only decides to refuse early, never what is allocated.
  if (cap && first.size > 0 && static_cast<std::uint64_t>(first.size) > *cap) {
    throw FileTooLarge(
        fmt::format("{}: {} is {} bytes, larger than the limit of {} bytes (stream it with read_file_to or pull)", what,
                    path, first.size, *cap));
  }
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    std::size_t n = dl->reader().read(buffer.data(), buffer.size());
    if (n == 0) break;
    counted(std::string_view(buffer.data(), n));
  }
}

}  // namespace
}  // namespace detail

void Container::write_file(const std::string& path, std::string_view data, int mode) {
  auto& s = state();
  std::string id = s.current_id();
  std::string p = detail::normalize(path, "write_file");
  if (p == "/") throw InvalidArgument("write_file: / is a directory");
  if (mode < 0 || mode > 07777) throw InvalidArgument(fmt::format("write_file: invalid mode {:o}", mode));
  if (auto mount = detail::virtual_mount_of(s, id, p)) {
    auto [code, err] = detail::exec_streaming(
        s, id, {"sh", "-c", detail::kWriteScript, "pocketdock-write", p, fmt::format("{:o}", mode)}, data,
        [](std::string_view) {});
    detail::check_file_exec(code, err, path, "write_file", *mount);
    return;
  }
  // Without this check the engines would silently replace a directory by the file.
  auto existing = s.engine->stat_archive_path(id, p);
  if (existing && existing->is_dir) throw InvalidArgument(fmt::format("write_file: {} is a directory", path));
  auto target = existing ? detail::UploadTarget{.extract_at = detail::parent_of(p)}
                         : detail::target_for_parent(*s.engine, id, detail::parent_of(p), "write_file");
  std::string name = target.prefix + detail::base_of(p);
  detail::upload_file(*s.engine, id, target, name, static_cast<std::uint32_t>(mode), data.size(), detail::now_seconds(),
                      [&](detail::BodyWriter& body) {
                        body.write(data);
                        return static_cast<std::uint64_t>(data.size());
                      });
}

std::string Container::read_file(const std::string& path, const ReadOptions& options) {
  std::string out;
  detail::read_into(state(), path, "read_file", options.max_size, [&](std::string_view data) { out.append(data); });
  return out;
}

void Container::read_file_to(const std::string& path, const std::function<void(std::string_view data)>& sink) {
  if (!sink) throw InvalidArgument("read_file_to: the sink is empty");
  detail::read_into(state(), path, "read_file_to", std::nullopt, sink);
}

std::vector<std::string> Container::list_files(const std::string& path) {
  auto& s = state();
  // Absolute and normalised, the path starts with '/': find never reads it as an option or an
  // expression ("-delete", "!", "(").
  std::string p = detail::normalize(path, "list_files");
  // `find` rather than `ls`: busybox ls masks non-ASCII bytes as '?', and NUL separators keep
  // any name intact. -H follows `path` itself when it is a symlink to a directory.
  auto r = detail::run_to_completion(*s.engine, s.current_id(),
                                     Command::argv({"find", "-H", p, "-mindepth", "1", "-maxdepth", "1", "-print0"}),
                                     {}, s.timeout);
  if (!r.ok()) throw FileNotFound(fmt::format("listing {} failed: {}", path, detail::trim(r.err)));
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < r.out.size()) {
    std::size_t end = r.out.find('\0', start);
    if (end == std::string::npos) end = r.out.size();
    std::string_view record(r.out.data() + start, end - start);
    start = end + 1;
    auto slash = record.find_last_of('/');
    std::string name(slash == std::string_view::npos ? record : record.substr(slash + 1));
    if (name.empty() || name == "." || name == "..") continue;
    out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<FileEntry> Container::list_entries(const std::string& path) {
  auto names = list_files(path);
  auto& s = state();
  std::string dir = detail::normalize(path, "list_entries");
  std::string id = s.current_id();
  std::vector<std::string> full;
  std::vector<FileEntry> entries;
  for (const auto& n : names) {
    full.push_back(detail::join(dir, n));
    entries.push_back({.name = n});
  }
  auto stat_batch = [&](std::size_t from, std::size_t to) {
    std::vector<std::string> argv{"stat", "-c", "%f %s %Y", "--"};
    argv.insert(argv.end(), full.begin() + static_cast<std::ptrdiff_t>(from),
                full.begin() + static_cast<std::ptrdiff_t>(to));
    auto r = detail::run_to_completion(*s.engine, id, Command::argv(argv), {}, s.timeout);
    auto lines = detail::split_lines(r.out);
    if (lines.size() != to - from) return false;
    for (std::size_t i = from; i < to; ++i) {
      if (!detail::parse_stat_line(lines[i - from], entries[i])) return false;
    }
    return true;
  };
  std::size_t from = 0;
  while (from < full.size()) {
    std::size_t to = from;
    std::size_t bytes = 0;
    while (to < full.size() && (to == from || bytes + full[to].size() < detail::kStatBatchBytes))
      bytes += full[to++].size() + 1;
    if (!stat_batch(from, to)) {
      // An entry vanished (or an odd name): one by one, keeping those that still exist.
      for (std::size_t i = from; i < to; ++i) (void)stat_batch(i, i + 1);
    }
    from = to;
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != FileType::symlink) continue;
    auto r = detail::run_to_completion(*s.engine, id, Command::argv({"readlink", "--", full[i]}), {}, s.timeout);
    if (r.ok() && !r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    if (r.ok()) entries[i].link_target = r.out;
  }
  return entries;
}

namespace detail {
namespace {

/// Host filesystem errors leave the library as ours.
template <class F>
void with_host_errors(const char* what, F&& f) {
  try {
    f();
  } catch (const std::filesystem::filesystem_error& e) {
    throw PocketDockError(fmt::format("{}: host filesystem error: {}", what, e.what()));
  }
}

}  // namespace
}  // namespace detail

namespace detail {
namespace {

void push_impl(ContainerState& s, const std::filesystem::path& host_src, const std::string& dest) {
  std::error_code ec;
  auto src_status = fs::symlink_status(host_src, ec);
  if (ec || !fs::exists(src_status))
    throw FileNotFound(fmt::format("source path does not exist: {}", host_src.string()));
  fs::path src = host_src.lexically_normal();
  if (src.filename().empty()) src = src.parent_path();
  std::string src_name = src.filename().string();
  if (src_name.empty() || src_name == "." || src_name == "..")
    src_name = fs::absolute(src).lexically_normal().filename().string();
  bool src_is_dir = fs::is_directory(src_status);

  std::string id = s.current_id();
  std::string d = detail::normalize(dest, "push");
  detail::check_not_tmpfs(s, id, d, "push");
  detail::UploadTarget target;
  std::string top;
  auto st = d == "/" ? std::optional<detail::ArchivePathStat>(detail::ArchivePathStat{.is_dir = true})
                     : s.engine->stat_archive_path(id, d);
  if (st && st->is_dir) {
    target.extract_at = d;
    top = src_name;
  } else if (st) {
    if (src_is_dir)
      throw InvalidArgument(fmt::format("push: cannot copy the directory {} onto the file {}", host_src.string(), d));
    target.extract_at = detail::parent_of(d);
    top = detail::base_of(d);
  } else {
    target = detail::target_for_parent(*s.engine, id, detail::parent_of(d), "push");
    top = target.prefix + detail::base_of(d);
  }
  if (fs::is_regular_file(src_status) && detail::push_regular_file(*s.engine, id, target, top, src)) return;
  detail::HostTreeProducer producer(src, top, target.missing);
  detail::upload(*s.engine, id, target.extract_at, [&](detail::TarWriter& w) { return producer.step(w); });
}

void pull_impl(ContainerState& s, const std::string& src, const std::filesystem::path& host_dest,
               const PullOptions& options) {
  std::string id = s.current_id();
  std::string p = detail::normalize(src, "pull");
  detail::check_not_tmpfs(s, id, p, "pull");
  detail::TarEntry first;
  auto dl = detail::open_following(*s.engine, id, p, first, "pull");
  std::string name = p == "/" ? std::string() : detail::base_of(p);
  if (name.empty()) {
    std::vector<std::string> comps;
    std::string why;
    if (detail::split_archive_path(first.path, comps, why) && !comps.empty()) name = comps.front();
  }

  std::error_code ec;
  auto status = fs::status(host_dest, ec);
  bool dest_is_dir = fs::is_directory(status);
  bool dest_exists = fs::exists(status);
  bool trailing_slash = !host_dest.empty() && host_dest.native().back() == '/';
  fs::path root;
  std::string top;
  bool single_file = first.type != detail::TarEntryType::directory;
  if (!single_file) {
    if (dest_is_dir) {
      root = host_dest;
      top = name;
    } else if (dest_exists) {
      throw InvalidArgument(
          fmt::format("pull: cannot copy the directory {} onto the file {}", src, host_dest.string()));
    } else {
      fs::create_directories(host_dest);
      root = host_dest;
    }
  } else if (dest_is_dir || trailing_slash) {
    if (!dest_is_dir) fs::create_directories(host_dest);
    root = host_dest;
    top = name;
  } else {
    root = host_dest.parent_path();
    if (root.empty()) root = ".";
    fs::create_directories(root);
    top = host_dest.filename().string();
  }
  detail::SafeExtractor extractor(root, top, single_file, options.exact_modes);
  detail::TarEntry entry = first;
  std::string archive_name;
  {
    std::vector<std::string> comps;
    std::string why;
    if (detail::split_archive_path(first.path, comps, why) && !comps.empty()) archive_name = comps.front();
  }
  do {
    extractor.extract(dl->reader(), entry);
  } while (detail::next_entry(dl->reader(), entry, archive_name));
  extractor.finish();
}

}  // namespace
}  // namespace detail

void Container::push(const std::filesystem::path& host_src, const std::string& dest) {
  auto& s = state();
  detail::with_host_errors("push", [&] { detail::push_impl(s, host_src, dest); });
}

void Container::pull(const std::string& src, const std::filesystem::path& host_dest, const PullOptions& options) {
  auto& s = state();
  detail::with_host_errors("pull", [&] { detail::pull_impl(s, src, host_dest, options); });
}

}  // namespace pocketdock
