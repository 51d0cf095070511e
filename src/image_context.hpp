#pragma once
// Build contexts: the files of a Dockerfile directory (or of the minimal-shell profile, made from
// host binaries) written as a tar stream piece by piece, so memory does not grow with their size.

#include <pocketdock/errors.hpp>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pocketdock::detail {

/// One entry of a build context: a host file or directory, or bytes held in memory.
struct ContextEntry {
  std::string name;              ///< path inside the archive, relative ("etc/passwd")
  std::filesystem::path source;  ///< host file or directory; empty for `content`
  std::string content;           ///< used when `source` is empty
  int mode = 0644;               ///< for `content` entries
  bool directory = false;        ///< for entries without `source`
};

/// The entries of a directory, recursively, with names relative to it (sorted, so the archive is
/// the same every time). Symlinks are kept as links. @throws InvalidArgument if it is no directory.
[[nodiscard]] std::vector<ContextEntry> directory_context(const std::filesystem::path& dir);

/// Host binaries the minimal-shell context copies (overridable for tests by the environment:
/// POCKETDOCK_BUSYBOX, POCKETDOCK_BASH_STATIC).
struct ShellBinaries {
  std::filesystem::path busybox = "/bin/busybox";
  std::filesystem::path bash = "/bin/bash-static";
};

/// The minimal-shell context: its Dockerfile from `profile_dir`, the host's static busybox and
/// bash, and /etc/passwd and /etc/group with the `sandbox` user (uid 1000).
/// @throws FileNotFound naming the Debian packages busybox-static and bash-static when a binary
///         is missing or not statically linked.
[[nodiscard]] std::vector<ContextEntry> minimal_shell_context(const std::filesystem::path& profile_dir,
                                                              const ShellBinaries& binaries = {});

/// Writes entries as a tar stream in pieces: each `produce(write)` call writes the next piece
/// with `write` and returns true while there is more (the `EngineClient::call_upload_streaming` protocol).
class TarProducer {
 public:
  explicit TarProducer(std::vector<ContextEntry> entries);
  ~TarProducer();
  TarProducer(const TarProducer&) = delete;
  TarProducer& operator=(const TarProducer&) = delete;

  /// @throws PocketDockError (a host file cannot be read, libarchive fails),
  ///         SocketCommunicationError (`write` refused the data).
  bool produce(const std::function<bool(std::string_view)>& write);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pocketdock::detail
