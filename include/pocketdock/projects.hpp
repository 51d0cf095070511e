#pragma once
/// @file projects.hpp
/// Project directories (`.pocketdock/pocketdock.yaml`), instance directories of persistent
/// containers, their metadata (`instance.toml`) and logs, and `doctor`. The on-disk formats are
/// the Python reference's, so a project made by either implementation works with the other.

#include <pocketdock/engine.hpp>
#include <pocketdock/options.hpp>
#include <pocketdock/types.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pocketdock {

/// Walks up from `start` to `/` looking for the file `.pocketdock/pocketdock.yaml`; returns the
/// directory holding `.pocketdock/`, or nothing.
[[nodiscard]] std::optional<std::filesystem::path> find_project_root(
    const std::filesystem::path& start = std::filesystem::current_path());

/// Creates `.pocketdock/pocketdock.yaml` (the reference template; never overwritten) and
/// `.pocketdock/instances/`. The name defaults to the directory's name. Returns the resolved root.
/// @throws PocketDockError if the directories cannot be created.
std::filesystem::path init_project(const std::filesystem::path& path = std::filesystem::current_path(),
                                   const std::optional<std::string>& project_name = {});

/// `project_name` from the YAML if it is a non-empty string; otherwise the root's directory name
/// (missing file, invalid YAML, empty or non-string value).
[[nodiscard]] std::string get_project_name(const std::filesystem::path& root);

/// `root/.pocketdock/instances/<name>`.
/// @throws InvalidArgument if `name` is empty, holds a '/' or a control character, or starts with '.'.
[[nodiscard]] std::filesystem::path instance_dir(const std::filesystem::path& root, const std::string& name);
/// Sorted names of the instance directories; empty if `instances/` is missing.
[[nodiscard]] std::vector<std::string> list_instance_dirs(const std::filesystem::path& root);
/// Deletes an instance directory; false if there was none. @throws InvalidArgument as instance_dir.
bool remove_instance_dir(const std::filesystem::path& root, const std::string& name);

/// Contents of an `instance.toml` (sections container, resources, ports, provenance).
struct InstanceMetadata {
  std::string container_id;  ///< "(pending)" until the container exists
  std::string name;
  std::string image;
  std::string project;
  std::string created_at;
  bool persist = true;
  std::optional<std::string> mem_limit;
  std::optional<int> cpu_percent;
  std::map<int, int> ports;  ///< host port -> container port
  std::string created_by;
  long pid = 0;
};

/// Reads `dir/instance.toml`; nothing if it is missing or not valid TOML.
[[nodiscard]] std::optional<InstanceMetadata> read_instance_metadata(const std::filesystem::path& dir);

/// One line of an instance's `logs/history.jsonl`.
struct HistoryEntry {
  std::string instance;  ///< the instance directory's name (the reference's `_instance`)
  std::string type;      ///< "run"
  std::string command;
  int exit_code = 0;
  double duration_ms = 0.0;
  bool timed_out = false;
  std::string timestamp;  ///< ISO 8601 start time
};

/// History entries of every instance (sorted by instance name, file order within one), or of
/// one instance. Blank and invalid lines are skipped.
/// @throws PocketDockError if `instance` is given and has no directory.
[[nodiscard]] std::vector<HistoryEntry> read_history(const std::filesystem::path& root,
                                                     const std::optional<std::string>& instance = {});

/// Options of `doctor`.
struct DoctorOptions {
  /// Project root; unset means `find_project_root()`.
  std::optional<std::filesystem::path> project_root;
  EngineOptions engine;
};

/// Compares the project's instance directories with the engine's containers of the project:
/// orphaned (container without dir), stale (dir without container), healthy (both).
/// @throws ProjectNotInitialized, PodmanNotRunning, SocketError.
[[nodiscard]] DoctorReport doctor(const DoctorOptions& options = {});

}  // namespace pocketdock
