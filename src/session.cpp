#include "container_state.hpp"
#include "exec.hpp"
#include "projects_internal.hpp"
#include "session_protocol.hpp"
#include "validate.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/errors.hpp>
#include <pocketdock/session.hpp>

#include <fmt/format.h>

#include <array>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace pocketdock {
namespace detail {
namespace {

// Picks bash where the image has it; `sh -c` is only the launcher and is replaced by the shell.
constexpr const char* kShellLauncher = "command -v bash >/dev/null 2>&1 && exec bash; exec sh";
// How long a later command waits for a timed-out one to die before the session is declared unusable.
constexpr auto kRecoveryGrace = std::chrono::seconds(3);
constexpr auto kRecoveryRetry = std::chrono::milliseconds(500);

void check_command(std::string_view command) {
  if (command.find('\0') != std::string_view::npos) throw InvalidArgument("session command contains a NUL byte");
}

}  // namespace

/// The state shared by a Session handle, its reader thread and the container's shutdown hook.
class SessionCore : public ShutdownHook, public std::enable_shared_from_this<SessionCore> {
 public:
  SessionCore(std::shared_ptr<ContainerState> container, SessionOptions options)
      : container_(std::move(container)), options_(std::move(options)) {}
  SessionCore(const SessionCore&) = delete;
  SessionCore& operator=(const SessionCore&) = delete;
  ~SessionCore() override { shutdown(false); }

  void start();
  void send(std::string_view command);
  ExecResult send_and_wait(std::string_view command, std::optional<std::chrono::milliseconds> timeout);
  std::string read();
  void on_output(std::function<void(std::string_view)> callback);
  void shutdown(bool kill_processes) noexcept;
  bool is_open() const;
  const std::string& id() const noexcept { return exec_id_; }

  void on_container_shutdown() noexcept override { shutdown(false); }

 private:
  // One send_and_wait command, from the write of its script to both of its end markers.
  struct Track {
    std::string kill_token;
    bool started = false;
    std::array<bool, 2> ended{false, false};
    std::optional<int> exit_code;
    std::string out;
    std::string err;
    bool truncated = false;
    bool abandoned = false;    ///< timed out: its late output is not part of any result
    Clock::time_point sent{};  ///< when its script was written (its processes start after)
  };

  void reader_loop() noexcept;
  void killer_loop() noexcept;
  void on_frame(std::uint8_t type, std::string_view payload);
  // Called with mutex_ held.
  void handle(int stream, const MarkerScanner::Event& e, std::vector<std::string>& deliver);
  void append_buffer(std::string_view data);
  void throw_if_unusable() const;
  bool abandoned_settled() const;
  void recover_or_break(std::unique_lock<std::mutex>& lock);
  void write_script(const std::string& script);
  void kill_command(const std::string& kill_token, Clock::time_point sent) noexcept;

  std::shared_ptr<ContainerState> container_;
  SessionOptions options_;
  std::string container_id_;
  std::string exec_id_;
  std::string token_;
  std::string user_;
  bool supervised_ = false;  ///< runs under the engine's init as a subreaper
  ShellDialect dialect_ = ShellDialect::posix;
  std::unique_ptr<ExecReader> reader_;
  std::thread thread_;
  std::thread killer_;  ///< kills timed-out commands that start late (queued behind a sent one)

  std::mutex call_mutex_;   // send_and_wait calls run one at a time
  std::mutex write_mutex_;  // one script is written at a time; guards closing the connection
  std::mutex close_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::condition_variable killer_cv_;
  // Guarded by mutex_.
  std::array<MarkerScanner, 2> scanners_;
  std::array<std::string, 2> inside_;  ///< nonce whose markers currently frame each stream
  std::map<std::string, Track> tracks_;
  std::string pending_;  ///< nonce of the command a caller waits for
  std::string buffer_;
  std::vector<std::function<void(std::string_view)>> callbacks_;
  std::vector<std::pair<std::string, Clock::time_point>> kill_queue_;  ///< (kill token, sent at) for the killer
  bool delivering_ = false;  ///< the reader thread is running callbacks (a result waits for them)
  bool eof_ = false;
  bool closed_ = false;
  bool finished_ = false;  ///< the connection and the reader thread are gone
  std::string broken_;     ///< why the session became unusable
  /// `session-<ts>.log` of a container in a project; set once by start() (under mutex_).
  std::optional<InstanceLogFile> log_;
};

void SessionCore::start() {
  container_id_ = container_->current_id();
  std::vector<std::string> argv;
  if (options_.shell.empty()) {
    argv = {"sh", "-c", kShellLauncher};
  } else {
    argv = {options_.shell};
  }
  RunOptions run;
  run.env = options_.env;
  run.workdir = options_.workdir;
  LaunchedExec ex =
      launch_exec(*container_->engine, container_id_, argv, run, true, nullptr, supervised_execs(*container_));
  exec_id_ = ex.exec_id;
  token_ = ex.token;
  user_ = ex.user;
  supervised_ = ex.supervised;
  reader_ = std::make_unique<ExecReader>(std::move(ex.stream));
  thread_ = std::thread([this] { reader_loop(); });
  killer_ = std::thread([this] { killer_loop(); });

  // The probe proves the shell reads its stdin and tells which dialect it speaks.
  ExecResult probe;
  bool ended = false;
  try {
    probe = send_and_wait("printf %s \"${BASH_VERSION:+bash}\"", container_->engine->api_timeout());
  } catch (const SessionClosed&) {
    ended = true;  // the exec died before it read its stdin
  } catch (const PocketDockError&) {
    shutdown(true);
    throw;
  }
  if (ended || probe.timed_out || !is_open()) {
    std::string said = read();
    shutdown(true);
    if (said.size() > 500) said.resize(500);
    throw SessionClosed(
        fmt::format("session shell {:?} did not start{}{}", options_.shell.empty() ? "bash/sh" : options_.shell,
                    said.empty() ? "" : ": ", said),
        ErrorContext{"session start", container_id_, "", 0});
  }
  if (probe.out == "bash") {
    dialect_ = ShellDialect::bash;
    try {
      write_script(bash_prelude());
    } catch (const PocketDockError&) {
      shutdown(true);
      throw;
    }
  }
  (void)read();
  // Opened after the probe, so the log holds only what the user sent and got.
  auto log = InstanceLogFile::open_session(container_->data_path, exec_id_);
  std::lock_guard lock(mutex_);
  log_ = std::move(log);
}

void SessionCore::reader_loop() noexcept {
  auto sink = [this](std::uint8_t type, std::string_view payload) { on_frame(type, payload); };
  for (;;) {
    try {
      if (!reader_->pump(deadline_after(std::chrono::hours(1)), sink)) break;
    } catch (const TimeoutError&) {
      continue;
    } catch (...) {
      break;
    }
  }
  std::vector<std::string> deliver;
  std::vector<std::function<void(std::string_view)>> callbacks;
  {
    std::lock_guard lock(mutex_);
    for (int s = 0; s < 2; ++s) {
      scanners_[static_cast<std::size_t>(s)].finish([&](const MarkerScanner::Event& e) { handle(s, e, deliver); });
    }
    eof_ = true;
    if (!deliver.empty()) callbacks = callbacks_;
  }
  cv_.notify_all();
  for (const auto& text : deliver) {
    for (const auto& cb : callbacks) {
      try {
        cb(text);
      } catch (...) {
        // A callback's failure is not the session's.
      }
    }
  }
}

void SessionCore::killer_loop() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    killer_cv_.wait(lock, [&] { return closed_ || !kill_queue_.empty(); });
    if (closed_) return;
    std::vector<std::pair<std::string, Clock::time_point>> tokens;
    tokens.swap(kill_queue_);
    lock.unlock();
    for (const auto& [tok, sent] : tokens) kill_command(tok, sent);
    lock.lock();
  }
}

void SessionCore::on_frame(std::uint8_t type, std::string_view payload) {
  if (type != 1 && type != 2) return;
  int s = type == 1 ? 0 : 1;
  std::vector<std::string> deliver;
  std::vector<std::function<void(std::string_view)>> callbacks;
  {
    std::lock_guard lock(mutex_);
    scanners_[static_cast<std::size_t>(s)].feed(payload, [&](const MarkerScanner::Event& e) { handle(s, e, deliver); });
    if (!deliver.empty()) {
      callbacks = callbacks_;
      delivering_ = true;
    }
  }
  if (!deliver.empty()) {
    // Callbacks see a command's output before its send_and_wait returns.
    for (const auto& text : deliver) {
      for (const auto& cb : callbacks) {
        try {
          cb(text);
        } catch (...) {
          // A callback's failure is not the session's.
        }
      }
    }
    std::lock_guard lock(mutex_);
    delivering_ = false;
  }
  cv_.notify_all();
}

void SessionCore::handle(int stream, const MarkerScanner::Event& e, std::vector<std::string>& deliver) {
  auto si = static_cast<std::size_t>(stream);
  switch (e.kind) {
    case MarkerScanner::Kind::output: {
      if (e.data.empty()) return;
      append_buffer(e.data);
      if (log_) log_->raw(e.data);
      if (!callbacks_.empty()) deliver.emplace_back(e.data);
      if (inside_[si].empty()) return;
      auto it = tracks_.find(inside_[si]);
      if (it == tracks_.end() || it->second.abandoned) return;
      Track& t = it->second;
      std::size_t used = t.out.size() + t.err.size();
      std::string_view data = e.data;
      if (used + data.size() > options_.max_output) {
        data = data.substr(0, options_.max_output - std::min(used, options_.max_output));
        t.truncated = true;
      }
      (stream == 0 ? t.out : t.err).append(data);
      return;
    }
    case MarkerScanner::Kind::start: {
      inside_[si] = e.nonce;
      auto it = tracks_.find(e.nonce);
      if (it == tracks_.end() || it->second.started) return;
      it->second.started = true;
      if (it->second.abandoned) {
        // It timed out while queued and starts only now: kill it at once.
        kill_queue_.emplace_back(it->second.kill_token, it->second.sent);
        killer_cv_.notify_one();
      }
      return;
    }
    case MarkerScanner::Kind::end: {
      if (inside_[si] == e.nonce) inside_[si].clear();
      auto it = tracks_.find(e.nonce);
      if (it == tracks_.end()) return;
      it->second.ended[si] = true;
      if (e.exit_code) it->second.exit_code = e.exit_code;
      if (it->second.abandoned && it->second.ended[0] && it->second.ended[1]) {
        for (auto& sc : scanners_) sc.forget(e.nonce);
        tracks_.erase(it);
      }
      return;
    }
  }
}

void SessionCore::append_buffer(std::string_view data) {
  std::size_t cap = options_.buffer_capacity;
  if (data.size() >= cap) {
    buffer_.assign(data.substr(data.size() - cap));
    return;
  }
  if (buffer_.size() + data.size() > cap) buffer_.erase(0, buffer_.size() + data.size() - cap);
  buffer_.append(data);
}

void SessionCore::throw_if_unusable() const {
  ErrorContext ctx{"session", container_id_, "", 0};
  if (closed_) throw SessionClosed("session is closed", ctx);
  if (!broken_.empty()) throw SessionClosed(broken_, ctx);
  if (eof_) throw SessionClosed("the session's shell has exited", ctx);
}

bool SessionCore::is_open() const {
  std::lock_guard lock(mutex_);
  return !closed_ && !eof_ && broken_.empty();
}

bool SessionCore::abandoned_settled() const {
  // A timed-out command that has not started yet is queued behind a sent one: the killer thread
  // ends it when it starts, so it does not hold up the next command.
  return std::none_of(tracks_.begin(), tracks_.end(), [](const auto& kv) {
    const Track& t = kv.second;
    return t.abandoned && t.started && !(t.ended[0] && t.ended[1]);
  });
}

void SessionCore::recover_or_break(std::unique_lock<std::mutex>& lock) {
  // A timed-out command was killed; wait for its late end markers, killing again what it may
  // have started since (e.g. the next command of a `sleep 1; sleep 30` list).
  Deadline until = deadline_after(kRecoveryGrace);
  while (!abandoned_settled() && !eof_ && !closed_) {
    Deadline step = std::min(until, deadline_after(kRecoveryRetry));
    cv_.wait_until(lock, step, [&] { return abandoned_settled() || eof_ || closed_; });
    if (abandoned_settled() || eof_ || closed_ || Clock::now() >= until) break;
    std::vector<std::pair<std::string, Clock::time_point>> tokens;
    for (const auto& [nonce, t] : tracks_) {
      if (t.abandoned && t.started) tokens.emplace_back(t.kill_token, t.sent);
    }
    lock.unlock();
    for (const auto& [tok, sent] : tokens) kill_command(tok, sent);
    lock.lock();
  }
  throw_if_unusable();
  if (!abandoned_settled()) {
    broken_ =
        "session is unusable: a command that timed out could not be interrupted (a shell builtin loop?); close it and "
        "open "
        "a new one";
    throw SessionClosed(broken_, ErrorContext{"session send_and_wait", container_id_, "", 0});
  }
}

// A command's processes carry its kill token; the orphans it made (setsid, a double fork, a
// cleared environment) are below the session's supervisor and started after it was sent.
void SessionCore::kill_command(const std::string& kill_token, Clock::time_point sent) noexcept {
  SignalRequest q{.variable = kSessionCommandVar, .token = kill_token, .user = user_};
  if (supervised_) {
    q.session_holder = std::string(kExecTokenVar) + "=" + token_;
    q.session_since = sent;
  }
  signal_processes(*container_->engine, container_id_, q);
}

void SessionCore::write_script(const std::string& script) {
  std::lock_guard lock(write_mutex_);
  {
    std::lock_guard state(mutex_);
    throw_if_unusable();
  }
  try {
    reader_->connection().write_all(script, deadline_after(container_->engine->api_timeout()));
  } catch (const SocketError&) {
    // The shell may have ended (the write raced its EOF): say so rather than report a broken pipe.
    std::unique_lock state(mutex_);
    cv_.wait_for(state, std::chrono::seconds(1), [&] { return eof_ || closed_; });
    throw_if_unusable();
    throw;
  }
}

void SessionCore::send(std::string_view command) {
  check_command(command);
  if (log_) log_->session_send(command);
  write_script(wrap_send(command, dialect_));
}

ExecResult SessionCore::send_and_wait(std::string_view command, std::optional<std::chrono::milliseconds> timeout_opt) {
  check_command(command);
  auto timeout = timeout_opt.value_or(container_->timeout);
  if (timeout <= std::chrono::milliseconds::zero()) throw InvalidArgument("send_and_wait timeout must be positive");
  std::lock_guard call(call_mutex_);
  std::string nonce = random_hex(kNonceDigits);
  std::string kill_token = random_hex(kNonceDigits);
  {
    std::unique_lock lock(mutex_);
    throw_if_unusable();
    if (!abandoned_settled()) recover_or_break(lock);
    tracks_[nonce].kill_token = kill_token;
    tracks_[nonce].sent = Clock::now();
    for (auto& sc : scanners_) sc.expect(nonce);
    pending_ = nonce;
  }
  auto forget = [&] {
    tracks_.erase(nonce);
    for (auto& sc : scanners_) sc.forget(nonce);
    pending_.clear();
  };
  // Logged like send() (the reference logs only send()): the log then shows every command.
  if (log_) log_->session_send(command);
  Clock::time_point started = Clock::now();
  try {
    write_script(wrap_command(command, nonce, kill_token, dialect_));
  } catch (...) {
    std::lock_guard lock(mutex_);
    forget();
    throw;
  }
  Deadline deadline = started + timeout;
  ExecResult result;
  std::unique_lock lock(mutex_);
  auto done = [&] {
    const Track& t = tracks_.at(nonce);
    return (t.ended[0] && t.ended[1] && !delivering_) || eof_ || closed_;
  };
  (void)cv_.wait_until(lock, deadline, done);
  Track& t = tracks_.at(nonce);
  result.out = std::move(t.out);
  result.err = std::move(t.err);
  result.truncated = t.truncated;
  if (t.ended[0] && t.ended[1]) {
    result.exit_code = t.exit_code.value_or(-1);
    forget();
  } else if (closed_) {
    forget();
    throw SessionClosed("session was closed while a command was running",
                        ErrorContext{"session send_and_wait", container_id_, "", 0});
  } else if (eof_) {
    // The shell ended (the command ran `exit`, or it was killed): its status is the result's.
    std::optional<int> code = t.exit_code;
    forget();
    lock.unlock();
    result.exit_code = code ? *code : exit_code_after_eof(*container_->engine, exec_id_);
    result.duration = Clock::now() - started;
    return result;
  } else {
    result.timed_out = true;
    result.exit_code = -1;
    t.abandoned = true;
    t.out.clear();
    t.err.clear();
    pending_.clear();
    lock.unlock();
    kill_command(kill_token, started);
  }
  result.duration = Clock::now() - started;
  return result;
}

std::string SessionCore::read() {
  std::lock_guard lock(mutex_);
  std::string out;
  out.swap(buffer_);
  return out;
}

void SessionCore::on_output(std::function<void(std::string_view)> callback) {
  std::lock_guard lock(mutex_);
  throw_if_unusable();
  if (callback) callbacks_.push_back(std::move(callback));
}

void SessionCore::shutdown(bool kill_processes) noexcept {
  std::lock_guard close_lock(close_mutex_);
  bool shell_alive = false;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    closed_ = true;
    shell_alive = !eof_;
  }
  cv_.notify_all();
  killer_cv_.notify_all();
  if (killer_.joinable()) killer_.join();
  if (!reader_) {
    std::lock_guard lock(mutex_);
    finished_ = true;
    return;
  }
  UnixConnection& conn = reader_->connection();
  conn.shutdown_write();  // EOF on the shell's stdin
  if (kill_processes && shell_alive && !container_->closed.load()) {
    // Ends the shell and whatever it started (background jobs, a running command).
    kill_exec(*container_->engine, container_id_, token_, user_, supervised_, false);
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(2), [&] { return eof_; });
  }
  conn.interrupt();
  if (thread_.joinable()) {
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // closed from an output callback: the loop ends on its own
    } else {
      thread_.join();
    }
  }
  {
    std::lock_guard write_lock(write_mutex_);
    conn.close();
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
}

}  // namespace detail

Session::Session(std::shared_ptr<detail::SessionCore> core) : core_(std::move(core)) {}
Session::Session(Session&&) noexcept = default;

Session& Session::operator=(Session&& other) noexcept {
  if (this != &other) {
    if (core_) core_->shutdown(true);
    core_ = std::move(other.core_);
  }
  return *this;
}

Session::~Session() {
  if (core_) core_->shutdown(true);
}

namespace {
detail::SessionCore& core_of(const std::shared_ptr<detail::SessionCore>& core) {
  if (!core) throw SessionClosed("use of a moved-from Session");
  return *core;
}
}  // namespace

const std::string& Session::id() const { return core_of(core_).id(); }
void Session::send(std::string_view command) { core_of(core_).send(command); }

ExecResult Session::send_and_wait(std::string_view command, std::optional<std::chrono::milliseconds> timeout) {
  return core_of(core_).send_and_wait(command, timeout);
}

std::string Session::read() { return core_ ? core_->read() : std::string(); }
void Session::on_output(std::function<void(std::string_view data)> callback) {
  core_of(core_).on_output(std::move(callback));
}
void Session::close() noexcept {
  if (core_) core_->shutdown(true);
}
bool Session::is_open() const { return core_ && core_->is_open(); }

Session Container::session(const SessionOptions& options) {
  auto& s = state();
  if (s.closed.load()) throw ContainerNotRunning(s.name, ErrorContext{"session", s.current_id(), "", 0});
  for (const auto& [k, v] : options.env) detail::validate_env(k, v);
  if (!options.workdir.empty()) detail::validate_absolute_path(options.workdir, "working directory");
  auto core = std::make_shared<detail::SessionCore>(state_, options);
  core->start();
  s.add_hook(core);
  if (s.closed.load()) core->shutdown(false);  // shut down while we were starting
  return Session(std::move(core));
}

}  // namespace pocketdock
