#pragma once
/// @file files.hpp
/// `FileEntry` (what `Container::list_entries` returns) and the semantics of the file methods of
/// `Container`.
///
/// Semantics of the file methods (all stream through the engine's tar archive endpoints; no path
/// or name ever passes through a shell):
///
/// - `write_file(path, data, mode)`: `path` must be absolute. Missing parent directories are
///   created (mode 0755) by uploading them as entries of the same archive, extracted at the
///   deepest existing ancestor, so Podman (which creates missing directories on PUT) and Docker
///   (which answers 404) behave alike. An existing file is replaced; the bytes are exact; its
///   mtime is now (the reference's is 0). An existing directory at `path` is an InvalidArgument
///   error (the engines would silently replace it). Files and directories are created owned by
///   root (uid/gid 0), like the reference.
/// - `read_file(path)`: the file's bytes. A symlink is followed (on both engines). A directory is
///   an InvalidArgument error; a missing path is FileNotFound.
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
///   is absolute or leaves the destination, hardlinks to outside, device nodes, FIFOs and sockets
///   are rejected (a symlink target may only start with ".." components, no more than the
///   link's depth, then names: "x/../.." could climb out through another link); extraction
///   never follows a symlink (every path component is opened with
///   O_NOFOLLOW relative to its parent), and files are written to a temporary name and renamed
///   into place, so an existing symlink or hardlink is replaced, never written through. The safe
///   entries are extracted first; then UnsafeArchive lists every rejected entry with its reason.
///   File modes are kept (setuid/setgid/sticky bits dropped); owners are the calling user's.
/// - Paths on a tmpfs-like mount in the container (e.g. /dev/shm, /dev), which both engines
///   mishandle silently, are an InvalidArgument error. They are found from the container's
///   /proc/mounts (an argv exec, read once per container id), compared with the lexically
///   normalised path; a path reaching such a mount through a symlink is not detected.
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
