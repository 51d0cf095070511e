#pragma once
/// @file files.hpp
/// `FileEntry` (what `Container::list_entries` returns) and the semantics of the file methods of
/// `Container`.
///
/// Semantics of the file methods (they stream through the engine's tar archive endpoints, except
/// for files on tmpfs mounts, see below; no path or name is ever read as code, an option or a
/// pattern by a program in the container):
///
/// - Every container path must be absolute; it is normalised lexically ("." and repeated slashes
///   dropped, ".." removes the previous component) before use. A relative path, or one holding a
///   NUL byte, is an InvalidArgument error (no working directory is guessed). A normalised path
///   starts with '/', so no program can read it as an option or an expression.
/// - `write_file(path, data, mode)`: `path` must be absolute. Missing parent directories are
///   created (mode 0755) by uploading them as entries of the same archive, extracted at the
///   deepest existing ancestor, so Podman (which creates missing directories on PUT) and Docker
///   (which answers 404) behave alike. An existing file is replaced; the bytes are exact; its
///   mtime is now (the reference's is 0). An existing directory at `path` is an InvalidArgument
///   error (the engines would silently replace it). Files and directories are created owned by
///   root (uid/gid 0), like the reference.
/// - `read_file(path, options)`: the file's bytes. A symlink is followed (on both engines). A
///   directory is an InvalidArgument error; a missing path is FileNotFound. The bytes are held
///   in memory, so at most `ReadOptions::max_size` of them (64 MiB by default): a bigger file is
///   FileTooLarge, thrown from the size in the archive header before any data is read (the
///   header is untrusted: it never decides an allocation), and the cap is checked again on the
///   bytes that arrive.
/// - `read_file_to(path, sink)`: the same file, handed to `sink` piece by piece as it arrives
///   (pieces of at most 64 KiB), without a cap; memory does not grow with the file's size. An
///   exception thrown by `sink` ends the transfer (the engine connection, or the `cat` exec on a
///   tmpfs mount, is closed or killed) and reaches the caller. To stream to a host file, use
///   `pull(path, host_file)`.
/// - `list_files(path)`: the names in directory `path` (hidden ones included, without "." and
///   ".."), sorted bytewise, as the reference's `ls -1a` gives them. They come from an argv exec of
///   `find -H path -mindepth 1 -maxdepth 1 -print0`: the path is never interpreted, any name
///   (non-ASCII, newlines) survives (busybox `ls` prints non-ASCII bytes as '?'), and the cost is
///   bounded by the directory's own entries (an archive GET would send the whole tree). A missing
///   path is FileNotFound; a path that is not a directory gives an empty list (the reference's
///   `ls` gives the path itself).
/// - `list_entries(path)`: the same names with type, size, permission bits, mtime and, for a
///   symlink, its target (`stat -c` and `readlink` run as argv execs on the listed names).
/// - `push(host_src, dest)` follows `docker cp SRC CONTAINER:DEST`:
///   * `dest` is an existing directory: `host_src` is copied into it, as `dest/basename(src)`;
///   * `dest` does not exist: `host_src` (a file or a directory) is copied as `dest` (renamed);
///     missing parents of `dest` are created (docker cp fails instead; the reference fails too);
///   * `dest` is an existing file: a file replaces it, a directory is an InvalidArgument error.
///   Modes are kept (executable bits included, unlike the reference, which resets them to
///   0644/0755); symlinks are copied as symlinks (never followed, unlike `docker cp -L`); owners
///   become root (uid/gid 0, as with the reference). Host sockets, FIFOs and devices are skipped;
///   hardlinked host files are sent as separate copies. The upload is produced block by block
///   while the engine reads it (memory does not grow with the size).
///   Difference from the reference: it always renames to `basename(dest)` in `dirname(dest)`, even
///   when `dest` is an existing directory.
/// - `pull(src, host_dest)` follows `docker cp CONTAINER:SRC DEST`:
///   * `src` is a file: `host_dest` an existing directory gets `host_dest/basename(src)`;
///     otherwise `host_dest` becomes that file (missing parents are created);
///   * `src` is a directory: `host_dest` an existing directory gets `host_dest/basename(src)/...`;
///     a missing `host_dest` is created and receives the directory's content. (The reference
///     always keeps the top directory: `pull("/tmp/d", "out")` gives `out/d/...` even when `out`
///     does not exist.)
///   * `src` itself a symlink is followed on both engines (Podman's archive GET always follows it,
///     Docker's returns the link: we ask Docker for the link's target), like `docker cp -L`.
///     Symlinks inside a pulled directory stay symlinks on both engines.
///   Safe extraction: nothing is created or overwritten outside `host_dest` (for a file pull,
///   outside the one destination file). Entries with absolute paths or `..`, symlinks whose target
///   is absolute or resolves outside the pulled tree, hardlinks to outside, device nodes, FIFOs
///   and sockets are rejected. A symlink target is resolved lexically against the link's own
///   directory within the pulled tree (`host_dest/basename(src)` or `host_dest`, not the whole
///   of `host_dest`): it may only start with ".." components, no more than the link's depth in
///   that tree, then names ("x/../.." could climb out through another link). Extraction
///   never follows a symlink (every path component is opened with
///   O_NOFOLLOW relative to its parent), and files are written to a temporary name and renamed
///   into place, so an existing symlink or hardlink is replaced, never written through. The safe
///   entries are extracted first; then UnsafeArchive lists every rejected entry with its reason.
///   Modes: by default (`PullOptions::exact_modes` false) setuid, setgid and sticky bits and the
///   world-write bit are cleared (mode & 0775, a umask of 0002), executable bits kept, so
///   nothing a container made is setuid or world-writable on the host; with `exact_modes` the
///   archive's 07777 bits are applied unchanged. Owners are the calling user's. The data is
///   written block by block as it arrives (memory does not grow with the size).
/// - Paths on a tmpfs-like mount in the container (e.g. /dev/shm, /dev, or /tmp and the home
///   directory of a read-only container) are mishandled silently by both engines' archive
///   endpoints (Podman's GET gives an empty archive, Docker's PUT lands under the mount). There,
///   `write_file` runs `sh -c '...; cat > "$1" && chmod -- "$2" "$1"' pocketdock-write PATH MODE`
///   with the data as stdin (missing parents made with `mkdir -p --`; the file is owned by the
///   container's user), and `read_file`/`read_file_to` run `sh -c '...; exec cat -- "$1"'
///   pocketdock-read PATH`, streaming its output through the same cap: exact bytes, and the same
///   FileNotFound/InvalidArgument errors. The image needs `sh` and `cat`; without them the error
///   says so. `push` and `pull` of such paths are an InvalidArgument error that says why. The
///   mounts are found from the container's /proc/mounts (an argv exec, read once per container
///   id), compared with the lexically normalised path; a path reaching such a mount through a
///   symlink is not detected.
/// - A missing container is ContainerNotFound; a missing path is FileNotFound.
/// - Podman 4.3 reads archive paths as glob patterns: `?`, `[` and `]` are escaped, and a `*`
///   (which Podman cannot serve even escaped) is sent as `?`, with sibling matches dropped by
///   name. A directory whose name has a `*` may therefore be mistaken for a sibling by the
///   existence checks of write_file/push on Podman.
/// - Host filesystem failures are PocketDockError; all the methods are thread-safe.

#include <chrono>
#include <cstdint>
#include <string>

namespace pocketdock {

/// Default cap of `read_file` (64 MiB): the bytes are held in memory.
inline constexpr std::uint64_t kDefaultMaxReadSize = 64ULL * 1024 * 1024;

/// Options of `Container::read_file`.
struct ReadOptions {
  /// Largest file read into memory; a bigger one is FileTooLarge (use `read_file_to` or `pull`
  /// to stream it). Checked against the size the engine announces before anything is allocated,
  /// and again against the bytes that arrive.
  std::uint64_t max_size = kDefaultMaxReadSize;
};

/// Options of `Container::pull`.
struct PullOptions {
  /// Apply the archive's permission bits as they are. By default (false) setuid, setgid and
  /// sticky bits and the world-write bit are cleared (like a umask of 0002 plus no special
  /// bits): nothing a container made becomes world-writable or setuid on the host. Executable
  /// bits are kept either way. With true, setuid/setgid/sticky and world-write are kept too.
  bool exact_modes = false;
};

/// The kind of a directory entry.
enum class FileType { file, directory, symlink, other };

/// One entry of a directory listing in the container.
struct FileEntry {
  std::string name;  ///< the name in its directory
  FileType type = FileType::other;
  std::uint64_t size = 0;                         ///< bytes (for a symlink: its target's length)
  std::uint32_t mode = 0;                         ///< permission bits, e.g. 0755 (07777 mask)
  std::chrono::system_clock::time_point mtime{};  ///< last modification, second precision
  std::string link_target;                        ///< a symlink's target as stored, else ""

  bool operator==(const FileEntry&) const = default;
};

}  // namespace pocketdock
