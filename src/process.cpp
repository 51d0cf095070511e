#include "callbacks.hpp"
#include "container_state.hpp"
#include "exec.hpp"
#include "exec_modes.hpp"
#include "projects_internal.hpp"
#include "ring_buffer.hpp"
#include "validate.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/process.hpp>

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace pocketdock {
namespace detail {
namespace {

// How long kill(SIGTERM) and the like wait before SIGKILL ends what ignored the signal.
constexpr auto kKillGrace = std::chrono::seconds(1);

}  // namespace

/// The state behind a Process, shared by the handle and the reader thread.
class ProcessImpl : public ShutdownHook, public std::enable_shared_from_this<ProcessImpl> {
 public:
  ProcessImpl(std::shared_ptr<ContainerState> state, const Command& command, const SpawnOptions& options)
      : state_(std::move(state)),
        engine_(state_->engine),
        container_id_(state_->current_id()),
        ring_(options.buffer_capacity) {
    if (options.buffer_capacity == 0) throw InvalidArgument("spawn buffer_capacity must be positive");
    if (options.run.timeout && *options.run.timeout <= std::chrono::milliseconds::zero()) {
      throw InvalidArgument("spawn timeout must be positive");
    }
    LaunchedExec ex = launch_exec(*engine_, container_id_, command.resolve(options.run.lang), options.run, false,
                                  &writer_, supervised_execs(*state_));
    exec_id_ = std::move(ex.exec_id);
    token_ = std::move(ex.token);
    user_ = std::move(ex.user);
    supervised_ = ex.supervised;
    started_ = ex.started;
    // No timeout: a deadline far enough away never to pass.
    deadline_ =
        options.run.timeout ? ex.started + *options.run.timeout : ex.started + std::chrono::hours(24 * 365 * 10);
    reader_ = std::make_unique<ExecReader>(std::move(ex.stream));
    log_ = InstanceLogFile::open_detach(state_->data_path, command.display());
  }
  ProcessImpl(const ProcessImpl&) = delete;
  ProcessImpl& operator=(const ProcessImpl&) = delete;
  ~ProcessImpl() override {
    // The reader thread holds a reference until it ends, so it has ended (or been detached).
    if (reader_thread_.joinable()) reader_thread_.detach();
    close_connection();
  }

  void start_reader() {
    auto self = shared_from_this();
    reader_thread_ = std::thread([self] { self->read_loop(); });
  }

  void on_container_shutdown() noexcept override {
    shutdown_ = true;
    interrupt();
    // The container is about to go: give the reader a moment to fire on_exit and wake waiters.
    std::unique_lock lock(mutex_);
    if (std::this_thread::get_id() != reader_id_) {
      done_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return done_; });
    }
  }

  [[nodiscard]] const std::string& id() const noexcept { return exec_id_; }
  RingBuffer& ring() noexcept { return ring_; }

  [[nodiscard]] bool is_running() const {
    {
      std::lock_guard lock(mutex_);
      if (done_) return false;
    }
    if (shutdown_ || engine_exited_) return false;
    ExecState s;
    try {
      s = engine_->exec_inspect(exec_id_);
    } catch (const ContainerError&) {
      return false;  // the exec or its container is gone
    }
    if (!s.running && s.exit_code) {
      engine_exited_ = true;
      return false;
    }
    // Running, or not started yet (no exit code): the command is alive unless its output ended.
    return s.running || !reader_eof_;
  }

  void kill(int signal) {
    {
      std::lock_guard lock(mutex_);
      if (done_) return;
    }
    if (state_->closed) return;
    // A signal that asks a command to end is followed by SIGKILL for whatever ignored it.
    bool ending = signal == SIGTERM || signal == SIGINT || signal == SIGHUP || signal == SIGQUIT;
    signal_processes(*engine_, container_id_,
                     {.token = token_,
                      .user = user_,
                      .signal = signal,
                      .wait_for_start = true,
                      .supervised = supervised_,
                      .escalate_after = ending ? kKillGrace : std::chrono::milliseconds(0)});
  }

  ExecResult wait(std::optional<std::chrono::milliseconds> timeout) {
    std::unique_lock lock(mutex_);
    if (std::this_thread::get_id() == reader_id_) {
      throw InvalidArgument("Process::wait() called from a callback of the process it waits for");
    }
    auto is_done = [this] { return done_; };
    if (!timeout) {
      done_cv_.wait(lock, is_done);
    } else if (!done_cv_.wait_for(lock, *timeout, is_done)) {
      throw TimeoutError(fmt::format("process {} still running after {} ms", exec_id_, timeout->count()),
                         ErrorContext{"process wait", container_id_, "", 0});
    }
    ExecResult r;
    r.exit_code = exit_code_;
    r.timed_out = timed_out_;
    r.duration = ended_ - started_;
    lock.unlock();
    auto snap = ring_.peek();
    r.out = std::move(snap.out);
    r.err = std::move(snap.err);
    return r;
  }

  /// The handle is going away: kill the command unless it was detached, then stop the reader.
  void release() noexcept {
    if (detached_.exchange(true)) return;
    bool done = false;
    {
      std::lock_guard lock(mutex_);
      done = done_;
    }
    if (!done && !shutdown_ && !state_->closed) {
      kill_exec(*engine_, container_id_, token_, user_, supervised_, /*wait_for_start=*/true);
      std::unique_lock lock(mutex_);
      done_cv_.wait_for(lock, std::chrono::seconds(2), [this] { return done_; });
    }
    stopping_ = true;
    interrupt();
    if (!reader_thread_.joinable()) return;
    if (std::this_thread::get_id() == reader_thread_.get_id()) {
      reader_thread_.detach();  // destroyed from its own callback: it ends on its own
    } else {
      reader_thread_.join();
    }
  }

  void detach() noexcept {
    if (detached_.exchange(true)) return;
    if (reader_thread_.joinable()) reader_thread_.detach();
  }

 private:
  void read_loop() noexcept {
    {
      std::lock_guard lock(mutex_);
      reader_id_ = std::this_thread::get_id();
    }
    auto& callbacks = state_->callbacks;
    auto sink = [&](std::uint8_t type, std::string_view payload) {
      if (type != 1 && type != 2) return;
      auto stream = type == 1 ? OutputStream::out : OutputStream::err;
      ring_.write(stream, payload);
      if (log_) log_->detach_output(stream, payload);
      callbacks.fire_output(stream, payload);
    };
    bool timed_out = false;
    try {
      while (reader_->pump(deadline_, sink)) {
      }
    } catch (const TimeoutError&) {
      timed_out = !stopping_ && !shutdown_;
    } catch (...) {
      // The connection broke (or was interrupted): the process's output has ended.
    }
    if (timed_out) (void)kill_and_drain(*engine_, container_id_, token_, user_, supervised_, *reader_, sink);
    reader_eof_ = true;
    close_connection();
    int code = -1;
    if (!timed_out && !stopping_ && !shutdown_) {
      try {
        code = exit_code_after_eof(*engine_, exec_id_);
      } catch (...) {
        // Unknown: -1.
      }
    }
    if (log_) log_->detach_exit(code, std::chrono::duration<double, std::milli>(Clock::now() - started_).count());
    callbacks.fire_exit(code);
    {
      std::lock_guard lock(mutex_);
      exit_code_ = code;
      timed_out_ = timed_out;
      ended_ = Clock::now();
      done_ = true;
    }
    done_cv_.notify_all();
  }

  void interrupt() noexcept {
    std::lock_guard lock(conn_mutex_);
    reader_->connection().interrupt();
  }

  void close_connection() noexcept {
    {
      std::lock_guard lock(conn_mutex_);
      reader_->connection().interrupt();  // also ends a stdin writer still blocked
      reader_->connection().close();
    }
    if (writer_.joinable() && std::this_thread::get_id() != writer_.get_id()) writer_.join();
  }

  std::shared_ptr<ContainerState> state_;
  std::shared_ptr<EngineClient> engine_;
  std::string container_id_;
  RingBuffer ring_;
  std::string exec_id_;
  std::string token_;
  std::string user_;
  bool supervised_ = false;  ///< runs under the engine's init as a subreaper
  Clock::time_point started_;
  Deadline deadline_;
  std::jthread writer_;
  std::unique_ptr<ExecReader> reader_;
  std::thread reader_thread_;
  std::mutex conn_mutex_;  ///< close vs. interrupt from other threads

  std::atomic<bool> shutdown_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> detached_{false};
  std::atomic<bool> reader_eof_{false};
  mutable std::atomic<bool> engine_exited_{false};

  mutable std::mutex mutex_;
  std::condition_variable done_cv_;
  std::thread::id reader_id_;
  bool done_ = false;
  int exit_code_ = -1;
  bool timed_out_ = false;
  Clock::time_point ended_{};
  std::optional<InstanceLogFile> log_;  ///< `detach-<ts>.log` of a container in a project
};

}  // namespace detail

Process::Process(std::shared_ptr<detail::ProcessImpl> impl) noexcept : impl_(std::move(impl)) {}
Process::Process(Process&&) noexcept = default;

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (impl_) impl_->release();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

Process::~Process() {
  if (impl_) impl_->release();
}

detail::ProcessImpl& Process::impl() const {
  if (!impl_) throw InvalidArgument("use of a moved-from Process");
  return *impl_;
}

const std::string& Process::id() const { return impl().id(); }
bool Process::is_running() const { return impl().is_running(); }
void Process::kill(int signal) {
  detail::validate_signal(signal);
  impl().kill(signal);
}
ExecResult Process::wait(std::optional<std::chrono::milliseconds> timeout) { return impl().wait(timeout); }
BufferSnapshot Process::read() { return impl().ring().read(); }
BufferSnapshot Process::peek() const { return impl().ring().peek(); }
std::size_t Process::buffer_size() const { return impl().ring().size(); }
bool Process::buffer_overflow() const { return impl().ring().overflow(); }
void Process::detach() { impl().detach(); }

Process Container::spawn(const Command& command, const SpawnOptions& options) {
  auto& s = state();
  detail::validate_run_options(options.run);
  auto impl = std::make_shared<detail::ProcessImpl>(state_, command, options);
  impl->start_reader();
  s.add_hook(impl);
  // A shutdown that ran its hooks before ours was added must still end this process.
  if (s.closed) impl->on_container_shutdown();
  return Process(std::move(impl));
}

void Container::on_stdout(std::function<void(std::string_view data)> fn) {
  state().callbacks.add_output(OutputStream::out, std::move(fn));
}

void Container::on_stderr(std::function<void(std::string_view data)> fn) {
  state().callbacks.add_output(OutputStream::err, std::move(fn));
}

void Container::on_exit(std::function<void(int exit_code)> fn) { state().callbacks.add_exit(std::move(fn)); }

}  // namespace pocketdock
