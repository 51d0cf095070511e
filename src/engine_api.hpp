#pragma once
// The engine API layer: one function per Engine endpoint, error mapping in one place, and every
// Podman/Docker difference handled here.

#include "body_reader.hpp"
#include "body_writer.hpp"
#include "http.hpp"
#include "unix_socket.hpp"

#include <pocketdock/engine.hpp>
#include <pocketdock/errors.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace httplib {
class Client;
}

namespace pocketdock::detail {

/// The endpoint a call went to; decides how HTTP errors map to exceptions.
enum class ApiOp {
  ping,
  version,
  info,
  container_create,
  container_start,
  container_stop,
  container_restart,
  container_remove,
  container_rename,
  container_inspect,
  container_list,
  container_kill,
  container_stats,
  container_top,
  container_wait,
  exec_create,
  exec_start,
  exec_inspect,
  archive_get,
  archive_put,
  archive_stat,
  commit,
  build,
  image_save,
  image_load,
  image_import,
  image_inspect,
  image_remove,
  image_tag,
  other,
};

[[nodiscard]] const char* to_string(ApiOp op) noexcept;

/// Extracts the engine's message from an error body (`{"message": ...}` on both engines).
[[nodiscard]] std::string engine_message(std::string_view body);

/// The one place where an HTTP status and engine JSON become a pocketdock exception.
/// `subject` is the image, name or path the call was about, when not the container itself.
[[noreturn]] void throw_api_error(ApiOp op, int status, std::string_view body, const std::string& container_id,
                                  const std::string& subject = {});

struct ApiRequest {
  std::string method = "GET";
  std::string path;  ///< unversioned, e.g. "/containers/abc/json"
  std::vector<std::pair<std::string, std::string>> query;
  std::string body;
  std::string content_type;  ///< defaults to application/json when there is a body
  /// Per-call deadline; unset means the client's api_timeout.
  std::optional<std::chrono::milliseconds> timeout;
  /// Send `Connection: close`: cpp-httplib 0.11 waits for a body after a 304 without
  /// Content-Length (start/stop of a container already in that state) until the server closes.
  bool close_connection = false;
  /// Podman's own API (`/v4.0.0/libpod` + path) instead of the Docker-compatible one.
  bool libpod = false;
};

struct ApiResponse {
  int status = 0;
  std::string body;
  [[nodiscard]] nlohmann::json json() const;
};

struct ExecCreateRequest {
  std::vector<std::string> argv;
  std::vector<std::string> env;  ///< "K=V"
  std::string workdir;
  std::string user;
  bool attach_stdin = true;
};

struct ExecState {
  bool running = false;
  std::optional<int> exit_code;  ///< null while running on Docker, or when unknown
};

/// A hijacked (101) exec connection and the bytes already read past the response head.
struct UpgradedStream {
  UnixConnection conn;
  std::string leftover;
};

/// What `HEAD archive` says about a path (Go os.FileMode bits decoded).
struct ArchivePathStat {
  std::string name;
  std::int64_t size = 0;
  std::uint32_t mode = 0;  ///< permission bits
  bool is_dir = false;
  bool is_symlink = false;
  std::string link_target;  ///< as the engine reports it (Docker: for links only)
};

/// Decodes the base64 JSON of X-Docker-Container-Path-Stat. @throws SocketCommunicationError
[[nodiscard]] ArchivePathStat parse_path_stat(std::string_view header_value);

/// Podman's archive GET and HEAD take the path as a glob pattern: the pattern matching `path`
/// literally. A '*' becomes '?' (Podman 4.3 cannot serve a '*' at all), so the answer may hold
/// sibling matches as extra top-level entries, which callers drop by name.
[[nodiscard]] std::string podman_literal_path(const std::string& path);

class CallDeadlines;
/// The OCI runtimes an engine offers (`GET /info`).
struct EngineRuntimes {
  std::vector<std::string> names;  ///< sorted
  std::string default_runtime;
  /// Whether one container may run under another runtime than the default. Podman 4.3's API
  /// ignores a per-container runtime (compat `HostConfig.Runtime` and libpod `oci_runtime`).
  bool per_container = true;
};

/// Runtime names and the default from an `/info` answer, bounded: at most 64 names of at most
/// 128 characters of [A-Za-z0-9._-]; anything else is skipped.
[[nodiscard]] EngineRuntimes parse_engine_runtimes(const nlohmann::json& info);

/// A create body as Podman 4.3 takes it: it refuses the `uid=`/`gid=` tmpfs options, and its `U`
/// option gives a tmpfs mount to the container's user instead (callers only ever ask for that user).
[[nodiscard]] nlohmann::json podman_create_body(nlohmann::json body);

/// Shared by every handle made from one engine. Thread-safe.
class EngineClient {
 public:
  EngineClient(EngineInfo info, std::chrono::milliseconds api_timeout);
  ~EngineClient();
  EngineClient(const EngineClient&) = delete;
  EngineClient& operator=(const EngineClient&) = delete;

  /// Discovers (or pings the explicit socket) and connects.
  [[nodiscard]] static std::shared_ptr<EngineClient> connect(const EngineOptions& options);

  [[nodiscard]] const EngineInfo& info() const noexcept { return info_; }
  [[nodiscard]] bool is_podman() const noexcept { return info_.kind == EngineKind::podman; }
  [[nodiscard]] std::chrono::milliseconds api_timeout() const noexcept { return api_timeout_; }
  /// "/v1.41" + path.
  [[nodiscard]] std::string versioned(std::string_view path) const;

  /// A request/response call on a pooled keep-alive connection. Never throws for HTTP status.
  /// @throws SocketConnectionError, SocketCommunicationError, TimeoutError
  [[nodiscard]] ApiResponse call(const ApiRequest& request);
  /// `call`, then throws the mapped error for a status >= 400.
  ApiResponse call_checked(ApiOp op, const ApiRequest& request, const std::string& container_id,
                           const std::string& subject = {});

  /// Streams a response body to `on_data` (return false to stop). For a status >= 400 the body
  /// is collected and the mapped error thrown. Returns the status.
  int call_streaming(ApiOp op, const ApiRequest& request, const std::string& container_id, const std::string& subject,
                     const std::function<bool(std::string_view)>& on_data);

  /// Sends `request` on a connection of its own and hands back its body to read piece by piece
  /// (`Connection: close`: the body ends the connection). For a status >= 400 the mapped error
  /// is thrown. Each read of the body waits at most the call's timeout.
  /// @throws SocketConnectionError, SocketCommunicationError, TimeoutError
  [[nodiscard]] BodyReader call_download(ApiOp op, const ApiRequest& request, const std::string& container_id,
                                         const std::string& subject);
  /// Sends a request body produced piecewise on a connection of its own: `produce(body)` writes
  /// some of it and returns true while there is more. Chunked, or with a Content-Length of
  /// `length` when given (exactly that many bytes must be written; file data may then go by
  /// sendfile). Status >= 400 throws the mapped error.
  ApiResponse call_upload(ApiOp op, const ApiRequest& request, const std::string& container_id,
                          const std::string& subject, std::optional<std::uint64_t> length,
                          const std::function<bool(BodyWriter& body)>& produce);

  /// Opens a raw connection to the engine socket.
  [[nodiscard]] UnixConnection open_raw(Deadline deadline) const;

  // --- endpoints ---
  [[nodiscard]] nlohmann::json inspect_container(const std::string& id);
  [[nodiscard]] std::string create_container(const nlohmann::json& body, const std::string& name);
  void start_container(const std::string& id);
  void stop_container(const std::string& id, int grace_seconds);
  void restart_container(const std::string& id, int grace_seconds);
  void remove_container(const std::string& id, bool force);
  /// `POST /containers/{id}/rename?name=` (both engines, running or not).
  /// @throws ContainerNameInUse, ContainerNotFound
  void rename_container(const std::string& id, const std::string& new_name);
  [[nodiscard]] nlohmann::json list_containers(const std::string& label_filter);
  /// The runtimes this engine offers (`GET /info`). @throws SocketError, TimeoutError
  [[nodiscard]] EngineRuntimes runtimes();
  /// The OCI runtime a container runs under. Docker: `HostConfig.Runtime`; Podman's compat
  /// inspect says "oci", so its own inspect's `OCIRuntime` is read. "" when not reported.
  /// @throws ContainerNotFound, SocketError, TimeoutError
  [[nodiscard]] std::string container_runtime(const std::string& id);

  [[nodiscard]] std::string exec_create(const std::string& container_id, const ExecCreateRequest& request);
  [[nodiscard]] ExecState exec_inspect(const std::string& exec_id);
  /// The argv prefix that runs a command under the engine's own init (bind-mounted into every
  /// container made with `Init: true`) as a child subreaper, so every process the command starts
  /// stays in its tree even after `setsid` or a double fork: Docker's tini needs `-s`, Podman's
  /// catatonit registers itself when it is not PID 1.
  [[nodiscard]] std::vector<std::string> supervisor_prefix() const;
  /// A command that exits 0 only where `supervisor_prefix()` works in the container (the init is
  /// there and the runtime supports PR_SET_CHILD_SUBREAPER; gVisor's runsc of Debian 12 does not).
  [[nodiscard]] std::vector<std::string> supervisor_probe() const;
  /// Starts an exec attached (never `Detach: true`: Podman 4.3 never reports its end) and
  /// hijacks the connection so stdin can be written.
  [[nodiscard]] UpgradedStream exec_start(const std::string& exec_id, const std::string& container_id);

  // ----- archive endpoints (files) -----
  /// Uploads a tar produced piecewise by `produce` (see `call_upload`: chunked, or of `length`
  /// bytes) and extracts it at `path` (`PUT /containers/{id}/archive?path=`, Content-Type
  /// application/x-tar).
  /// @throws FileNotFound (Docker: `path` missing), ContainerNotFound, SocketError, TimeoutError
  void put_archive(const std::string& container_id, const std::string& path, std::optional<std::uint64_t> length,
                   const std::function<bool(BodyWriter& body)>& produce);
  /// The tar of `path`, to read piece by piece. Podman follows a symlink
  /// given as `path`; Docker returns the link itself. On Podman the archive may also hold
  /// siblings whose name differs only where `path` has a '*' (see podman_literal_path).
  /// @throws FileNotFound, ContainerNotFound, SocketError, TimeoutError
  [[nodiscard]] BodyReader get_archive(const std::string& container_id, const std::string& path);
  /// `HEAD /containers/{id}/archive?path=` decoded from X-Docker-Container-Path-Stat; empty when
  /// the path does not exist. A symlink is followed on both engines (Podman does it itself).
  /// @throws ContainerNotFound (checked by an inspect, a HEAD answer has no message), SocketError
  [[nodiscard]] std::optional<ArchivePathStat> stat_archive_path(const std::string& container_id,
                                                                 const std::string& path);

  // ----- end of archive endpoints -----

  // ----- lifecycle endpoints: stats, top, commit, kill, wait -----

  /// One stats sample (`stream=false`). Docker answers after ~1 s with `precpu_stats` filled;
  /// Podman at once with `precpu_stats` zero.
  [[nodiscard]] nlohmann::json container_stats(const std::string& id);
  /// Process table `{Titles, Processes}` with PID, USER and COMMAND columns. Podman's compat top
  /// needs AIX descriptors, Docker ps options; an empty answer gives an empty table.
  [[nodiscard]] nlohmann::json container_top(const std::string& id);
  /// `POST /commit` with body `{}` and the config in `changes=` (Podman ignores a body config).
  /// Returns the image id as the engine gives it.
  [[nodiscard]] std::string commit_container(const std::string& id, const std::string& repo, const std::string& tag,
                                             const std::vector<std::string>& changes, const std::string& comment,
                                             const std::string& author);

  // ----- end of lifecycle endpoints -----

  // ----- image endpoints: build, save, load, import, inspect, tag, remove -----

  /// `call_upload` whose answer is streamed to `on_data` (return false to stop) instead of
  /// collected. For a status >= 400 the body is collected and the mapped error thrown.
  int call_upload_streaming(ApiOp op, const ApiRequest& request, const std::string& subject,
                            const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce,
                            const std::function<bool(std::string_view)>& on_data);

  /// `POST /build?t=tag` with a tar context from `produce`. Each output line goes to `on_line`;
  /// an error the engine reports inside its 200 stream throws BuildError with its message.
  /// `timeout` bounds the whole build. Returns the image id.
  std::string build_image(const std::string& tag, std::chrono::milliseconds timeout,
                          const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce,
                          const std::function<void(std::string_view line)>& on_line);
  /// `GET /images/get?names=a&names=b`: one archive of every image, streamed to `on_data`.
  void save_images(const std::vector<std::string>& names, std::chrono::milliseconds timeout,
                   const std::function<bool(std::string_view)>& on_data);
  /// `POST /images/load` with an archive from `produce`. Returns the loaded names as the engine
  /// spells them (Podman: `docker.io/library/x:latest`).
  std::vector<std::string> load_images(
      std::chrono::milliseconds timeout,
      const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce);
  /// `GET /images/{name}/json`, or std::nullopt if there is no such image.
  [[nodiscard]] std::optional<nlohmann::json> inspect_image(const std::string& name);
  /// `DELETE /images/{name}`. Returns false if there was no such image.
  bool remove_image(const std::string& name, bool force);

  // ----- end of image endpoints -----

 private:
  std::unique_ptr<httplib::Client> acquire();
  void release(std::unique_ptr<httplib::Client> client);

  EngineInfo info_;
  std::chrono::milliseconds api_timeout_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
  std::unique_ptr<CallDeadlines> deadlines_;  ///< ends `call`s that outlive their timeout
};

/// Pings one socket: the engine kind and API version, or throws.
[[nodiscard]] EngineInfo ping_engine(const std::string& socket_path, std::chrono::milliseconds timeout);

}  // namespace pocketdock::detail
