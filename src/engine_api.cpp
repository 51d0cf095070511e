#include "engine_api.hpp"

#include <httplib.h>

#include <fmt/format.h>

#include <sys/socket.h>
#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <map>
#include <optional>
#include <set>
#include <thread>

namespace pocketdock::detail {
namespace {

constexpr const char* kApiPrefix = "/v1.41";
constexpr std::size_t kMaxIdleClients = 16;
constexpr std::size_t kMaxErrorBody = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return lower(haystack).find(needle) != std::string::npos;
}

std::string target_of(const EngineClient& engine, const ApiRequest& r) {
  return engine.versioned(r.path) + query_string(r.query);
}

template <class Duration>
void set_timeouts(httplib::Client& cli, Duration timeout) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  auto sec = static_cast<time_t>(us / 1'000'000);
  auto usec = static_cast<time_t>(us % 1'000'000);
  cli.set_connection_timeout(sec, usec);
  cli.set_read_timeout(sec, usec);
  cli.set_write_timeout(sec, usec);
}

// cpp-httplib reports a silent engine as a read error after its idle timeout: ours to turn into a
// timeout, telling it apart from a reset by the time spent.
[[noreturn]] void throw_transport_error(httplib::Error error, const std::string& socket_path, const std::string& what,
                                        Clock::time_point started, std::chrono::milliseconds timeout,
                                        bool stopped_at_deadline = false) {
  auto elapsed = Clock::now() - started;
  ErrorContext ctx{what, "", "", 0};
  bool slow = stopped_at_deadline || elapsed + std::chrono::milliseconds(50) >= timeout;
  switch (error) {
    case httplib::Error::Connection:
      if (slow) throw TimeoutError(fmt::format("{}: connecting to {} timed out", what, socket_path), ctx);
      throw SocketConnectionError(socket_path, "connection failed", ctx);
    case httplib::Error::ConnectionTimeout:
      throw TimeoutError(fmt::format("{}: connecting to {} timed out", what, socket_path), ctx);
    case httplib::Error::Read:
    case httplib::Error::Write:
      if (slow) {
        throw TimeoutError(fmt::format("{}: the engine did not answer within {} ms", what, timeout.count()), ctx);
      }
      throw SocketCommunicationError(fmt::format("{}: {}", what, httplib::to_string(error)), ctx);
    default: throw SocketCommunicationError(fmt::format("{}: {}", what, httplib::to_string(error)), ctx);
  }
}

// A request with its body and Content-Type (every body has one: Docker parses a tar sent without
// it as a form).
httplib::Request to_httplib(const EngineClient& engine, const ApiRequest& request) {
  httplib::Request req;
  req.method = request.method;
  req.path = target_of(engine, request);
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    req.body = request.body;
    req.set_header("Content-Type", request.content_type.empty() ? "application/json" : request.content_type);
  }
  return req;
}

// Streams a response body to `on_data`, or collects an error body (status >= 400).
void receive_body(httplib::Request& req, int& status, std::string& error_body, bool& stopped_by_caller,
                  const std::function<bool(std::string_view)>& on_data) {
  req.response_handler = [&status](const httplib::Response& r) {
    status = r.status;
    return true;
  };
  req.content_receiver = [&, on_data](const char* data, size_t len, uint64_t, uint64_t) {
    if (status >= 400) {
      if (error_body.size() < kMaxErrorBody) error_body.append(data, std::min(len, kMaxErrorBody - error_body.size()));
      return true;
    }
    if (!on_data(std::string_view(data, len))) {
      stopped_by_caller = true;
      return false;
    }
    return true;
  };
}

// A call addressed by container id (every id comes from the engine: a handle's, or a listing's)
// means the container existed and was removed since; a lookup by name finds none.
[[noreturn]] void throw_not_found(const std::string& container_id, const std::string& who, const ErrorContext& ctx) {
  if (!container_id.empty()) throw ContainerGone(container_id, ctx);
  throw ContainerNotFound(who, ctx);
}

}  // namespace

/// Stops request/response calls at their deadline. cpp-httplib's timeouts bound each read, so
/// an engine that trickles its answer a byte at a time would hold a call forever; here one
/// thread per EngineClient (started at its first call) cuts the connection of a call whose
/// deadline passed, again every few ms until the call returns.
class CallDeadlines {
 public:
  CallDeadlines() = default;
  CallDeadlines(const CallDeadlines&) = delete;
  CallDeadlines& operator=(const CallDeadlines&) = delete;
  ~CallDeadlines() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  /// Stops `client` at `deadline` until `disarm`.
  std::uint64_t arm(httplib::Client& client, Clock::time_point deadline) {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    std::uint64_t ticket = next_++;
    armed_[ticket] = {deadline, &client};
    wake_.notify_all();
    return ticket;
  }

  /// True if the call was stopped (its client is then not reusable).
  bool disarm(std::uint64_t ticket) {
    std::lock_guard lock(mutex_);
    armed_.erase(ticket);
    return fired_.erase(ticket) > 0;
  }

 private:
  static constexpr auto kRepeat = std::chrono::milliseconds(20);

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      auto first = std::min_element(armed_.begin(), armed_.end(),
                                    [](const auto& a, const auto& b) { return a.second.first < b.second.first; });
      if (first == armed_.end()) {
        wake_.wait(lock);
        continue;
      }
      if (Clock::now() < first->second.first) {
        // A copy: `disarm` may erase the entry while this thread waits.
        const Clock::time_point when = first->second.first;
        wake_.wait_until(lock, when);
        continue;
      }
      first->second.second->stop();  // thread-safe: shuts the socket of the call in flight
      fired_.insert(first->first);
      first->second.first = Clock::now() + kRepeat;  // a call still connecting is stopped again
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::uint64_t, std::pair<Clock::time_point, httplib::Client*>> armed_;
  std::set<std::uint64_t> fired_;
  std::uint64_t next_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

const char* to_string(ApiOp op) noexcept {
  switch (op) {
    case ApiOp::ping: return "ping";
    case ApiOp::version: return "version";
    case ApiOp::container_create: return "container create";
    case ApiOp::container_start: return "container start";
    case ApiOp::container_stop: return "container stop";
    case ApiOp::container_restart: return "container restart";
    case ApiOp::container_remove: return "container remove";
    case ApiOp::container_rename: return "container rename";
    case ApiOp::container_inspect: return "container inspect";
    case ApiOp::container_list: return "container list";
    case ApiOp::container_kill: return "container kill";
    case ApiOp::container_stats: return "container stats";
    case ApiOp::container_top: return "container top";
    case ApiOp::container_wait: return "container wait";
    case ApiOp::exec_create: return "exec create";
    case ApiOp::exec_start: return "exec start";
    case ApiOp::exec_inspect: return "exec inspect";
    case ApiOp::archive_get: return "archive get";
    case ApiOp::archive_put: return "archive put";
    case ApiOp::archive_stat: return "archive stat";
    case ApiOp::commit: return "commit";
    case ApiOp::build: return "build";
    case ApiOp::image_save: return "image save";
    case ApiOp::image_load: return "image load";
    case ApiOp::image_import: return "image import";
    case ApiOp::image_inspect: return "image inspect";
    case ApiOp::image_remove: return "image remove";
    case ApiOp::image_tag: return "image tag";
    case ApiOp::other: return "engine call";
  }
  return "engine call";
}

std::string engine_message(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  std::string text(body.substr(0, 2048));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.pop_back();
  return text;
}

void throw_api_error(ApiOp op, int status, std::string_view body, const std::string& container_id,
                     const std::string& subject) {
  std::string message = engine_message(body);
  ErrorContext ctx{to_string(op), container_id, message, status};
  const std::string& who = container_id.empty() ? subject : container_id;
  bool no_container = contains(message, "no such container");
  // Image calls first: their messages may mention containers ("in use by container x").
  if (op == ApiOp::build) throw BuildError(fmt::format("image build of {} failed: {}", subject, message), ctx);
  if (op == ApiOp::image_load) throw PocketDockError(fmt::format("image load failed: {}", message), ctx);
  bool image_op =
      op == ApiOp::image_save || op == ApiOp::image_inspect || op == ApiOp::image_remove || op == ApiOp::image_tag;
  // Podman answers 500 "image not known" where Docker answers 404.
  if (image_op && (contains(message, "image not known") || contains(message, "no such image"))) {
    throw ImageNotFound(subject, ctx);
  }
  if (image_op && status == 409) {
    throw PocketDockError(fmt::format("{} of {} refused: {}", to_string(op), subject, message), ctx);
  }
  if (contains(message, "already in use")) throw ContainerNameInUse(subject.empty() ? container_id : subject, ctx);
  if (contains(message, "container state improper") || contains(message, "is not running") ||
      contains(message, "is paused")) {
    throw ContainerNotRunning(who, ctx);
  }
  switch (status) {
    case 404:
      switch (op) {
        case ApiOp::container_create:
          if (no_container) throw_not_found(container_id, who, ctx);
          throw ImageNotFound(subject, ctx);
        case ApiOp::image_save:
        case ApiOp::image_inspect:
        case ApiOp::image_remove:
        case ApiOp::image_tag: throw ImageNotFound(subject, ctx);
        case ApiOp::archive_get:
        case ApiOp::archive_put:
        case ApiOp::archive_stat:
          if (no_container) throw_not_found(container_id, who, ctx);
          throw FileNotFound(fmt::format("path not found in container {}: {}", container_id, subject), ctx);
        default: throw_not_found(container_id, who, ctx);
      }
    case 409: throw ContainerNotRunning(who, ctx);
    case 400: throw InvalidArgument(fmt::format("{} rejected by the engine: {}", to_string(op), message), ctx);
    default:
      if (no_container) throw_not_found(container_id, who, ctx);
      throw SocketCommunicationError(fmt::format("{} failed: HTTP {}: {}", to_string(op), status, message), ctx);
  }
}

nlohmann::json ApiResponse::json() const {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    throw SocketCommunicationError(fmt::format("malformed JSON from the engine: {:.200}", body));
  }
  return j;
}

EngineClient::EngineClient(EngineInfo info, std::chrono::milliseconds api_timeout)
    : info_(std::move(info)), api_timeout_(api_timeout), deadlines_(std::make_unique<CallDeadlines>()) {
  if (api_timeout_ <= std::chrono::milliseconds::zero()) throw InvalidArgument("api_timeout must be positive");
}

EngineClient::~EngineClient() = default;

std::shared_ptr<EngineClient> EngineClient::connect(const EngineOptions& options) {
  EngineInfo info = discover_engine(options);
  return std::make_shared<EngineClient>(std::move(info), options.api_timeout);
}

std::string EngineClient::versioned(std::string_view path) const { return std::string(kApiPrefix) + std::string(path); }

std::unique_ptr<httplib::Client> EngineClient::acquire() {
  {
    std::lock_guard lock(pool_mutex_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>(info_.socket_path);
  c->set_address_family(AF_UNIX);
  c->set_default_headers({{"Host", "localhost"}, {"User-Agent", "pocketdock-cpp"}});
  c->set_keep_alive(true);
  return c;
}

void EngineClient::release(std::unique_ptr<httplib::Client> client) {
  std::lock_guard lock(pool_mutex_);
  if (idle_.size() < kMaxIdleClients) idle_.push_back(std::move(client));
}

ApiResponse EngineClient::call(const ApiRequest& request) {
  auto timeout = request.timeout.value_or(api_timeout_);
  auto cli = acquire();
  set_timeouts(*cli, timeout);
  httplib::Request req = to_httplib(*this, request);
  if (request.close_connection) req.set_header("Connection", "close");
  auto started = Clock::now();
  std::uint64_t ticket = deadlines_->arm(*cli, started + timeout);
  httplib::Result res = cli->send(req);
  bool stopped = deadlines_->disarm(ticket);
  if (!res) {
    throw_transport_error(res.error(), info_.socket_path, request.method + " " + request.path, started, timeout,
                          stopped);
  }
  ApiResponse out{res->status, std::move(res->body)};
  if (!request.close_connection && !stopped) release(std::move(cli));
  return out;
}

ApiResponse EngineClient::call_checked(ApiOp op, const ApiRequest& request, const std::string& container_id,
                                       const std::string& subject) {
  ApiResponse r = call(request);
  if (r.status >= 400) throw_api_error(op, r.status, r.body, container_id, subject);
  return r;
}

int EngineClient::call_streaming(ApiOp op, const ApiRequest& request, const std::string& container_id,
                                 const std::string& subject, const std::function<bool(std::string_view)>& on_data) {
  auto timeout = request.timeout.value_or(api_timeout_);
  auto cli = acquire();
  set_timeouts(*cli, timeout);
  int status = 0;
  std::string error_body;
  bool stopped_by_caller = false;
  httplib::Request req = to_httplib(*this, request);
  receive_body(req, status, error_body, stopped_by_caller, on_data);
  auto started = Clock::now();
  httplib::Result res = cli->send(req);
  if (!res && !(stopped_by_caller && res.error() == httplib::Error::Canceled)) {
    throw_transport_error(res.error(), info_.socket_path, request.method + " " + request.path, started, timeout);
  }
  if (res) status = res->status;
  if (status >= 400) throw_api_error(op, status, error_body, container_id, subject);
  if (!stopped_by_caller) release(std::move(cli));
  return status;
}

BodyReader EngineClient::call_download(ApiOp op, const ApiRequest& request, const std::string& container_id,
                                       const std::string& subject) {
  auto timeout = request.timeout.value_or(api_timeout_);
  const std::string what = request.method + " " + request.path;
  ErrorContext ctx{what, container_id, "", 0};
  Deadline deadline = deadline_after(timeout);
  try {
    UnixConnection conn = open_raw(deadline);
    conn.write_all(format_request(request.method, target_of(*this, request), request.body, request.content_type,
                                  {{"Connection", "close"}}),
                   deadline);
    std::string leftover;
    ResponseHead head = read_response_head(conn, leftover, deadline);
    if (head.status >= 400) {
      throw_api_error(op, head.status, read_small_body(conn, head, std::move(leftover), deadline), container_id,
                      subject);
    }
    return BodyReader(std::move(conn), head, std::move(leftover), timeout, what);
  } catch (const TimeoutError& e) {
    if (!e.context().operation.empty()) throw;
    throw TimeoutError(fmt::format("{}: the engine did not answer within {} ms", what, timeout.count()), ctx);
  }
}

ApiResponse EngineClient::call_upload(ApiOp op, const ApiRequest& request, const std::string& container_id,
                                      const std::string& subject, std::optional<std::uint64_t> length,
                                      const std::function<bool(BodyWriter& body)>& produce) {
  // A raw connection: the body goes out in the producer's own pieces (cpp-httplib would cut it
  // into small writes). Each piece has the full timeout (an idle deadline), so a large upload
  // is not cut short, while an engine that stops reading is.
  auto timeout = request.timeout.value_or(api_timeout_);
  const std::string what = request.method + " " + request.path;
  UnixConnection conn = open_raw(deadline_after(timeout));
  std::string content_type = request.content_type.empty() ? "application/x-tar" : request.content_type;
  std::string framing = length ? fmt::format("Content-Length: {}", *length) : "Transfer-Encoding: chunked";
  std::string head = fmt::format(
      "{} {} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: pocketdock-cpp\r\nContent-Type: {}\r\n"
      "{}\r\nConnection: close\r\n\r\n",
      request.method, target_of(*this, request), content_type, framing);
  // If the engine answers (an error) before taking the whole body, its answer says why.
  auto engine_answer = [&]() -> std::optional<std::pair<int, std::string>> {
    try {
      std::string leftover;
      Deadline d = deadline_after(std::chrono::seconds(2));
      ResponseHead h = read_response_head(conn, leftover, d);
      return std::make_pair(h.status, read_small_body(conn, h, std::move(leftover), d));
    } catch (const PocketDockError&) {
      return std::nullopt;
    }
  };
  try {
    conn.write_all(head, deadline_after(timeout));
    BodyWriter body(conn, length, timeout);
    while (produce(body)) {
    }
    body.finish();
  } catch (const SocketCommunicationError&) {
    if (auto answer = engine_answer(); answer && answer->first >= 400) {
      throw_api_error(op, answer->first, answer->second, container_id, subject);
    }
    throw;
  } catch (const TimeoutError&) {
    throw TimeoutError(fmt::format("{}: the engine did not take the upload within {} ms", what, timeout.count()),
                       ErrorContext{what, container_id, "", 0});
  }
  std::string leftover;
  ResponseHead h = read_response_head(conn, leftover, deadline_after(timeout));
  ApiResponse out{h.status, read_small_body(conn, h, std::move(leftover), deadline_after(timeout))};
  if (out.status >= 400) throw_api_error(op, out.status, out.body, container_id, subject);
  return out;
}

int EngineClient::call_upload_streaming(
    ApiOp op, const ApiRequest& request, const std::string& subject,
    const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce,
    const std::function<bool(std::string_view)>& on_data) {
  auto timeout = request.timeout.value_or(api_timeout_);
  auto cli = acquire();
  set_timeouts(*cli, timeout);
  int status = 0;
  std::string error_body;
  bool stopped_by_caller = false;
  std::exception_ptr producer_error;
  httplib::Request req;
  req.method = request.method;
  req.path = target_of(*this, request);
  req.set_header("Content-Type", request.content_type.empty() ? "application/x-tar" : request.content_type);
  // What Client::Post does for a provider without length, plus a streamed answer.
  req.set_header("Transfer-Encoding", "chunked");
  req.is_chunked_content_provider_ = true;
  req.content_provider_ = [&](size_t, size_t, httplib::DataSink& sink) {
    try {
      auto write = [&](std::string_view data) { return sink.write(data.data(), data.size()); };
      if (!produce(write)) sink.done();
      return true;
    } catch (...) {
      producer_error = std::current_exception();
      return false;
    }
  };
  receive_body(req, status, error_body, stopped_by_caller, on_data);
  auto started = Clock::now();
  httplib::Result res = cli->send(req);
  if (producer_error) std::rethrow_exception(producer_error);
  if (!res && !(stopped_by_caller && res.error() == httplib::Error::Canceled)) {
    throw_transport_error(res.error(), info_.socket_path, request.method + " " + request.path, started, timeout);
  }
  if (res) status = res->status;
  if (status >= 400) throw_api_error(op, status, error_body, "", subject);
  if (!stopped_by_caller) release(std::move(cli));
  return status;
}

UnixConnection EngineClient::open_raw(Deadline deadline) const {
  return UnixConnection::connect(info_.socket_path, deadline);
}

nlohmann::json EngineClient::inspect_container(const std::string& id) {
  return call_checked(ApiOp::container_inspect, {.path = "/containers/" + url_encode(id) + "/json"}, id).json();
}

std::string EngineClient::create_container(const nlohmann::json& body, const std::string& name) {
  ApiRequest r{.method = "POST", .path = "/containers/create", .body = body.dump()};
  if (!name.empty()) r.query.emplace_back("name", name);
  std::string image = body.value("Image", "");
  ApiResponse resp = call(r);
  if (resp.status == 409 || (resp.status >= 400 && contains(resp.body, "already in use"))) {
    throw_api_error(ApiOp::container_create, resp.status, resp.body, "", name);
  }
  if (resp.status >= 400) throw_api_error(ApiOp::container_create, resp.status, resp.body, "", image);
  auto j = resp.json();
  if (!j.contains("Id") || !j["Id"].is_string())
    throw SocketCommunicationError("container create: no Id in the answer");
  return j["Id"].get<std::string>();
}

void EngineClient::start_container(const std::string& id) {
  (void)call_checked(ApiOp::container_start,
                     {.method = "POST", .path = "/containers/" + url_encode(id) + "/start", .close_connection = true},
                     id);
}

void EngineClient::stop_container(const std::string& id, int grace_seconds) {
  ApiRequest r{.method = "POST",
               .path = "/containers/" + url_encode(id) + "/stop",
               .query = {{"t", std::to_string(grace_seconds)}},
               .timeout = api_timeout_ + std::chrono::seconds(grace_seconds),
               .close_connection = true};
  (void)call_checked(ApiOp::container_stop, r, id);
}

void EngineClient::restart_container(const std::string& id, int grace_seconds) {
  ApiRequest r{.method = "POST",
               .path = "/containers/" + url_encode(id) + "/restart",
               .query = {{"t", std::to_string(grace_seconds)}},
               .timeout = api_timeout_ + std::chrono::seconds(grace_seconds)};
  (void)call_checked(ApiOp::container_restart, r, id);
}

void EngineClient::remove_container(const std::string& id, bool force) {
  ApiRequest r{.method = "DELETE",
               .path = "/containers/" + url_encode(id),
               .query = {{"force", force ? "true" : "false"}, {"v", "true"}}};
  (void)call_checked(ApiOp::container_remove, r, id);
}

void EngineClient::rename_container(const std::string& id, const std::string& new_name) {
  ApiRequest r{.method = "POST", .path = "/containers/" + url_encode(id) + "/rename", .query = {{"name", new_name}}};
  (void)call_checked(ApiOp::container_rename, r, id, new_name);
}

nlohmann::json EngineClient::list_containers(const std::string& label_filter) {
  ApiRequest r{.path = "/containers/json", .query = {{"all", "true"}}};
  if (!label_filter.empty()) r.query.emplace_back("filters", nlohmann::json{{"label", {label_filter}}}.dump());
  auto j = call_checked(ApiOp::container_list, r, "").json();
  if (!j.is_array()) throw SocketCommunicationError("container list: the engine did not return an array");
  return j;
}

std::string EngineClient::exec_create(const std::string& container_id, const ExecCreateRequest& request) {
  nlohmann::json body{{"AttachStdin", request.attach_stdin},
                      {"AttachStdout", true},
                      {"AttachStderr", true},
                      {"Tty", false},
                      {"Cmd", request.argv}};
  if (!request.env.empty()) body["Env"] = request.env;
  if (!request.workdir.empty()) body["WorkingDir"] = request.workdir;
  if (!request.user.empty()) body["User"] = request.user;
  auto j =
      call_checked(ApiOp::exec_create,
                   {.method = "POST", .path = "/containers/" + url_encode(container_id) + "/exec", .body = body.dump()},
                   container_id)
          .json();
  if (!j.contains("Id") || !j["Id"].is_string()) throw SocketCommunicationError("exec create: no Id in the answer");
  return j["Id"].get<std::string>();
}

std::vector<std::string> EngineClient::supervisor_prefix() const {
  if (is_podman()) return {"/run/podman-init", "--"};
  return {"/sbin/docker-init", "-s", "--"};
}

std::vector<std::string> EngineClient::supervisor_probe() const {
  std::vector<std::string> argv = supervisor_prefix();
  argv.push_back(argv.front());
  argv.emplace_back(is_podman() ? "-V" : "--version");
  return argv;
}

ExecState EngineClient::exec_inspect(const std::string& exec_id) {
  auto j = call_checked(ApiOp::exec_inspect, {.path = "/exec/" + url_encode(exec_id) + "/json"}, "").json();
  ExecState s;
  s.running = j.value("Running", false);
  // Podman reports ExitCode 0 while running: only trust it once Running is false.
  if (!s.running && j.contains("ExitCode") && j["ExitCode"].is_number_integer()) s.exit_code = j["ExitCode"].get<int>();
  return s;
}

UpgradedStream EngineClient::exec_start(const std::string& exec_id, const std::string& container_id) {
  Deadline deadline = deadline_after(api_timeout_);
  UpgradedStream s{open_raw(deadline), {}};
  std::string body = R"({"Detach":false,"Tty":false})";
  s.conn.write_all(format_request("POST", versioned("/exec/" + url_encode(exec_id) + "/start"), body,
                                  "application/json", {{"Connection", "Upgrade"}, {"Upgrade", "tcp"}}),
                   deadline);
  ResponseHead head = read_response_head(s.conn, s.leftover, deadline);
  if (head.status == 101) return s;
  if (head.status == 200 && head.header("transfer-encoding").find("chunked") == std::string::npos) return s;
  std::string err = read_small_body(s.conn, head, std::move(s.leftover), deadline);
  if (head.status < 400) {
    throw SocketCommunicationError(fmt::format("exec start: unexpected HTTP {} (no upgrade)", head.status));
  }
  throw_api_error(ApiOp::exec_start, head.status, err, container_id);
}

EngineInfo ping_engine(const std::string& socket_path, std::chrono::milliseconds timeout) {
  Deadline deadline = deadline_after(timeout);
  UnixConnection conn = UnixConnection::connect(socket_path, deadline);
  conn.write_all(format_request("GET", "/_ping", "", "", {}), deadline);
  std::string leftover;
  ResponseHead head = read_response_head(conn, leftover, deadline);
  std::string body = read_small_body(conn, head, std::move(leftover), deadline, 1024);
  if (head.status != 200) {
    throw SocketCommunicationError(fmt::format("ping failed: HTTP {}: {}", head.status, engine_message(body)));
  }
  EngineInfo info;
  info.socket_path = socket_path;
  info.api_version = head.header("api-version");
  bool podman = !head.header("libpod-api-version").empty() || head.header("server").find("Libpod") != std::string::npos;
  info.kind = podman ? EngineKind::podman : EngineKind::docker;
  return info;
}

}  // namespace pocketdock::detail
