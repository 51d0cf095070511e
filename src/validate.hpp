#pragma once
// Checks of caller-supplied values, made before any engine call. Each throws InvalidArgument
// saying what is wrong with the value.

#include <pocketdock/options.hpp>

#include <string>
#include <string_view>

namespace pocketdock::detail {

/// A container name: a letter or digit, then letters, digits, '_', '.', '-'; at most 128.
void validate_container_name(std::string_view name);
/// An image reference: `[host[:port]/]path[:tag][@sha256:<64 hex>]` with lowercase path
/// components (`a-z0-9` joined by '.', '_', "__" or dashes), or an image id `sha256:<64 hex>`.
void validate_image_reference(std::string_view reference);
/// A label key: non-empty, at most 1024 bytes, no '=', no control characters.
void validate_label_key(std::string_view key);
/// An environment variable: a non-empty name without '=' or NUL; a value without NUL.
void validate_env(std::string_view name, std::string_view value);
/// A user: `name`, `uid`, `uid:gid` or `name:group` (letters, digits, '_', '.', '-').
void validate_user(std::string_view user);
/// A signal number for Process::kill: 1-64.
void validate_signal(int signal);
/// A port: 1-65535, or 0 when `allow_zero` (a host port the engine picks).
void validate_port(int port, bool allow_zero, std::string_view what);
/// A memory limit in the reference grammar ("256m"), above zero.
void validate_mem_limit(std::string_view text);
/// A CPU limit in percent of one CPU: 1 to 100 x the host's CPUs.
void validate_cpu_percent(int percent);
/// An absolute path without NUL (and without ':' when `no_colon`, as a bind's parts).
void validate_absolute_path(std::string_view path, std::string_view what, bool no_colon = false);
/// A directory name of a project or an instance: non-empty, not "." or "..", no '/', no
/// leading '.', no control characters.
void validate_dir_name(std::string_view name, std::string_view what);

/// Every option of a run, stream, spawn or session command (env, user, workdir).
void validate_run_options(const RunOptions& options);

}  // namespace pocketdock::detail
