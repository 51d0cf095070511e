#pragma once
// Project and instance-directory internals shared by container creation, persistence and the
// logs: the reference's file formats.

#include "container_state.hpp"

#include <pocketdock/projects.hpp>
#include <pocketdock/types.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pocketdock::detail {

/// The reference's `pocketdock.yaml` template for a project name.
[[nodiscard]] std::string project_yaml(const std::string& project_name);

/// True for a plain YAML scalar that PyYAML reads as a bool, null, int or float, not a string.
[[nodiscard]] bool yaml_plain_non_string(const std::string& text);

/// Creates `instances/<name>/{logs,data}` and returns the instance directory.
std::filesystem::path ensure_instance_dir(const std::filesystem::path& root, const std::string& name);

/// `instance.toml` text: the header comment, then sections container, resources (if any
/// limit), ports (if any) and provenance; values escaped as TOML requires.
[[nodiscard]] std::string render_instance_toml(const InstanceMetadata& metadata);
void write_instance_metadata(const std::filesystem::path& dir, const InstanceMetadata& metadata);

/// Metadata of a container's current state (id, name, image, project, limits, ports).
[[nodiscard]] InstanceMetadata metadata_of(const ContainerState& state, const std::string& container_id);

/// Create hook: for a persistent container inside a project, resolves the project name, makes the
/// instance directory and writes `instance.toml` with id "(pending)"; sets `state.project` and
/// `state.data_path`. Does nothing otherwise.
void prepare_instance(ContainerState& state, const CreateOptions& options);
/// Create failed: removes the instance directory `prepare_instance` made (its metadata still
/// says "(pending)"), so no stale directory is left. Best effort.
void discard_instance(const ContainerState& state) noexcept;
/// After start (and after a fresh reboot): rewrites `instance.toml` with the real id. Best effort.
void record_instance(const ContainerState& state) noexcept;

/// The instance directory a container's `pocketdock.data-path` label names, or "" when the label
/// is not to be trusted. Labels come from the engine (an image can carry ours), so the path is
/// used only when it is `<root>/.pocketdock/instances/<container_name>` of a project
/// (`pocketdock.yaml` present), its last three components are real directories (no symlinks),
/// and its `instance.toml` names this container: the same name and an id that is `container_id`
/// or a prefix of it of at least 12 digits. Never throws.
[[nodiscard]] std::string trusted_data_path(const std::string& label, const std::string& container_id,
                                            const std::string& container_name) noexcept;

/// `dt.isoformat()` with ':' -> '-' and '+' -> 'p' (reference `_safe_timestamp`).
[[nodiscard]] std::string safe_timestamp(std::string_view iso);
/// A JSON string as Python's `json.dumps` writes it (ensure_ascii: non-ASCII as \uXXXX).
[[nodiscard]] std::string python_json_string(std::string_view text);
/// A float as Python's `repr` writes it ("12.3", "5.0").
[[nodiscard]] std::string python_float(double value);
/// One `history.jsonl` line (no newline), in json.dumps' default format.
[[nodiscard]] std::string history_line(const std::string& command, const ExecResult& result,
                                       const std::string& timestamp);
/// The text of a `run-<ts>.log`.
[[nodiscard]] std::string run_log_text(const std::string& command, const ExecResult& result);

/// Run hook: writes `logs/run-<ts>.log` and appends to `logs/history.jsonl`. Best effort.
void log_run(const std::string& data_path, const std::string& command, const ExecResult& result,
             const std::string& started_at) noexcept;

/// Default cap of one log file (the reference's `max_log_size: "10MB"`).
inline constexpr std::uint64_t kDefaultMaxLogSize = 10U * 1024U * 1024U;

/// A log size as `pocketdock.yaml` writes it: digits, optional spaces, an optional b/k/m/g/t
/// suffix optionally followed by 'b' ("10MB", "512k", "2048"), powers of 1024.
/// @throws InvalidArgument
[[nodiscard]] std::uint64_t parse_log_size(std::string_view text);
/// `logging.max_log_size` of the project an instance directory belongs to
/// (`<root>/.pocketdock/instances/<name>`); kDefaultMaxLogSize when missing or invalid.
[[nodiscard]] std::uint64_t max_log_size_of(const std::filesystem::path& instance_dir) noexcept;

/// An append-only log file of a session (`session-<ts>.log`) or detached process
/// (`detach-<ts>.log`) in the reference's format. Thread-safe; never throws: after the first
/// failed write (disk full, directory removed) it stops logging. A log is cut at its cap: what
/// fits is written, then one line "[log truncated at N bytes]", then nothing more.
class InstanceLogFile {
 public:
  /// Opens `logs/session-<ts>.log` and writes "# session_id: {id}\n\n". The cap is `max_bytes`,
  /// unset: the project's `max_log_size`. Empty if `data_path` is empty or the file cannot be made.
  [[nodiscard]] static std::optional<InstanceLogFile> open_session(
      const std::string& data_path, const std::string& session_id,
      std::optional<std::uint64_t> max_bytes = std::nullopt) noexcept;
  /// Opens `logs/detach-<ts>.log` and writes "# command: {command}\n\n"; the cap as above.
  /// Empty if `data_path` is empty or the file cannot be made.
  [[nodiscard]] static std::optional<InstanceLogFile> open_detach(
      const std::string& data_path, const std::string& command,
      std::optional<std::uint64_t> max_bytes = std::nullopt) noexcept;

  /// Session input: "[{iso now}] >>> {command}\n".
  void session_send(std::string_view command) noexcept;
  /// Raw output (sessions).
  void raw(std::string_view data) noexcept;
  /// Detached output: "[{iso now}] [stdout|stderr] {data}".
  void detach_output(OutputStream stream, std::string_view data) noexcept;
  /// Detached end: "\n# exit_code: {code}\n# duration_ms: {ms:.1f}\n".
  void detach_exit(int exit_code, double duration_ms) noexcept;
  [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
  /// False once a write failed: nothing more is written.
  [[nodiscard]] bool ok() const noexcept;

 private:
  struct Shared {
    std::mutex mutex;
    bool failed = false;        ///< guarded by mutex
    bool truncated = false;     ///< guarded by mutex: the cap was reached
    std::uint64_t written = 0;  ///< guarded by mutex
    std::uint64_t max_bytes = kDefaultMaxLogSize;
  };
  InstanceLogFile(std::filesystem::path path, std::uint64_t max_bytes) : path_(std::move(path)) {
    shared_->max_bytes = max_bytes;
  }
  [[nodiscard]] static std::optional<InstanceLogFile> open_with_header(const std::string& data_path, const char* kind,
                                                                       const std::string& header,
                                                                       std::optional<std::uint64_t> max_bytes) noexcept;
  /// Appends `text()`'s result; the text is made only while the log still works.
  template <typename MakeText>
  void append_with(MakeText&& text) noexcept;
  std::filesystem::path path_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace pocketdock::detail
