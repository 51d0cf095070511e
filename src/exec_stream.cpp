#include "container_state.hpp"
#include "exec.hpp"
#include "exec_modes.hpp"
#include "validate.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/exec_stream.hpp>

#include <fmt/format.h>

#include <deque>
#include <mutex>

namespace pocketdock {
namespace detail {

/// The state behind an ExecStream. Registered as a shutdown hook, which only interrupts the
/// connection; everything else runs on the consumer's thread.
class ExecStreamImpl : public ShutdownHook {
 public:
  ExecStreamImpl(std::shared_ptr<ContainerState> state, const Command& command, const RunOptions& options)
      : state_(std::move(state)),
        engine_(state_->engine),
        container_id_(state_->current_id()),
        max_output_(options.max_output) {
    auto timeout = options.timeout.value_or(state_->timeout);
    if (timeout <= std::chrono::milliseconds::zero()) throw InvalidArgument("stream timeout must be positive");
    LaunchedExec ex = launch_exec(*engine_, container_id_, command.resolve(options.lang), options, false, &writer_,
                                  supervised_execs(*state_));
    exec_id_ = std::move(ex.exec_id);
    token_ = std::move(ex.token);
    user_ = std::move(ex.user);
    supervised_ = ex.supervised;
    started_ = ex.started;
    deadline_ = ex.started + timeout;
    reader_ = std::make_unique<ExecReader>(std::move(ex.stream));
    cap_reached_ = max_output_ == 0;
  }
  ExecStreamImpl(const ExecStreamImpl&) = delete;
  ExecStreamImpl& operator=(const ExecStreamImpl&) = delete;
  ~ExecStreamImpl() override { close(); }

  void on_container_shutdown() noexcept override {
    shutdown_ = true;
    std::lock_guard lock(conn_mutex_);
    reader_->connection().interrupt();
  }

  [[nodiscard]] const std::string& id() const noexcept { return exec_id_; }
  [[nodiscard]] bool finished() const noexcept { return phase_ == Phase::finished; }
  [[nodiscard]] bool at_end() const noexcept { return !has_current_; }
  [[nodiscard]] const StreamChunk& current() const { return current_; }
  void collect_output(bool collect) noexcept { collect_ = collect; }

  [[nodiscard]] const ExecResult& result() const {
    switch (phase_) {
      case Phase::finished: return result_;
      case Phase::running: throw StreamNotFinished("result not available until the stream is exhausted", context());
      case Phase::failed:
        throw StreamNotFinished("result not available: the stream failed before its command finished", context());
      case Phase::closed: break;
    }
    throw StreamNotFinished("result not available: the stream was closed before its command finished", context());
  }

  /// Moves to the next chunk; false (and at_end()) when there is none.
  bool advance() {
    has_current_ = false;
    while (queue_.empty()) {
      if (phase_ != Phase::running) {
        if (pending_error_) {
          auto e = std::move(pending_error_);
          pending_error_ = nullptr;
          std::rethrow_exception(e);
        }
        return false;
      }
      pump_once();
    }
    current_ = std::move(queue_.front());
    queue_.pop_front();
    has_current_ = true;
    return true;
  }

  /// Kills the command if it is still running, then closes the connection.
  void close() noexcept {
    if (phase_ == Phase::running) {
      if (!shutdown_ && !state_->closed) end_command();
      phase_ = Phase::closed;
    }
    queue_.clear();
    has_current_ = false;
    close_connection();
  }

 private:
  enum class Phase { running, finished, failed, closed };

  [[nodiscard]] ErrorContext context() const { return ErrorContext{"exec stream", container_id_, "", 0}; }

  void pump_once() {
    if (cap_reached_) {
      end_command();
      finish(false, true);
      return;
    }
    auto sink = [this](std::uint8_t type, std::string_view payload) {
      if (cap_reached_ || (type != 1 && type != 2)) return;
      std::size_t room = max_output_ - delivered_;
      if (payload.size() > room) {
        payload = payload.substr(0, room);
        cap_reached_ = true;
      }
      if (payload.empty()) return;
      delivered_ += payload.size();
      auto stream = type == 1 ? OutputStream::out : OutputStream::err;
      if (collect_) (stream == OutputStream::out ? result_.out : result_.err).append(payload);
      queue_.push_back(StreamChunk{stream, std::string(payload)});
    };
    bool more = false;
    try {
      more = reader_->pump(deadline_, sink);
    } catch (const TimeoutError&) {
      if (shutdown_) return end_by_shutdown();
      end_command();
      finish(true, false);
      return;
    } catch (const PocketDockError&) {
      if (shutdown_) return end_by_shutdown();
      fail(std::current_exception());
      return;
    }
    if (more) return;  // a full cap is handled on the next call, after these chunks are read
    if (shutdown_) return end_by_shutdown();
    if (reader_->cut_mid_frame()) {
      fail(std::make_exception_ptr(SocketCommunicationError("exec output stream was cut inside a frame",
                                                            ErrorContext{"exec start", container_id_, "", 0})));
      return;
    }
    finish(false, false);
  }

  // Kill the command and its children; the output still arriving is dropped.
  void end_command() noexcept {
    auto discard = [](std::uint8_t, std::string_view) {};
    (void)kill_and_drain(*engine_, container_id_, token_, user_, supervised_, *reader_, discard);
  }

  void finish(bool timed_out, bool truncated) {
    close_connection();
    result_.timed_out = timed_out;
    result_.truncated = truncated;
    try {
      result_.exit_code = timed_out ? -1 : exit_code_after_eof(*engine_, exec_id_);
    } catch (...) {
      fail(std::current_exception());
      return;
    }
    result_.duration = Clock::now() - started_;
    phase_ = Phase::finished;
  }

  void fail(std::exception_ptr error) {
    close_connection();
    pending_error_ = std::move(error);
    phase_ = Phase::failed;
  }

  void end_by_shutdown() {
    close_connection();
    phase_ = Phase::closed;
  }

  void close_connection() noexcept {
    {
      std::lock_guard lock(conn_mutex_);
      reader_->connection().interrupt();  // also ends a stdin writer still blocked
      reader_->connection().close();
    }
    if (writer_.joinable()) writer_.join();
  }

  std::shared_ptr<ContainerState> state_;
  std::shared_ptr<EngineClient> engine_;
  std::string container_id_;
  std::size_t max_output_;
  std::string exec_id_;
  std::string token_;
  std::string user_;
  bool supervised_ = false;  ///< runs under the engine's init as a subreaper
  Clock::time_point started_;
  Deadline deadline_;
  std::jthread writer_;
  std::unique_ptr<ExecReader> reader_;
  std::mutex conn_mutex_;  ///< close vs. the shutdown hook's interrupt
  std::atomic<bool> shutdown_{false};

  Phase phase_ = Phase::running;
  std::exception_ptr pending_error_;
  std::deque<StreamChunk> queue_;
  StreamChunk current_;
  bool has_current_ = false;
  bool started_iterating_ = false;
  bool collect_ = true;
  bool cap_reached_ = false;
  std::size_t delivered_ = 0;
  ExecResult result_;

  friend class pocketdock::ExecStream;
};

}  // namespace detail

ExecStream::ExecStream(std::shared_ptr<detail::ExecStreamImpl> impl) noexcept : impl_(std::move(impl)) {}
ExecStream::ExecStream(ExecStream&&) noexcept = default;

ExecStream& ExecStream::operator=(ExecStream&& other) noexcept {
  if (this != &other) {
    close();
    impl_ = std::move(other.impl_);
  }
  return *this;
}

ExecStream::~ExecStream() { close(); }

void ExecStream::close() noexcept {
  if (impl_) impl_->close();
}

detail::ExecStreamImpl& ExecStream::impl() const {
  if (!impl_) throw InvalidArgument("use of a moved-from ExecStream");
  return *impl_;
}

ExecStream::iterator ExecStream::begin() {
  auto& i = impl();
  if (!i.started_iterating_) {
    i.started_iterating_ = true;
    i.advance();
  }
  return iterator(&i);
}

const std::string& ExecStream::id() const { return impl().id(); }
bool ExecStream::finished() const noexcept { return impl_ && impl_->finished(); }
const ExecResult& ExecStream::result() const { return impl().result(); }
void ExecStream::collect_output(bool collect) noexcept {
  if (impl_) impl_->collect_output(collect);
}

ExecStream::iterator::reference ExecStream::iterator::operator*() const { return impl_->current(); }
ExecStream::iterator::pointer ExecStream::iterator::operator->() const { return &impl_->current(); }
ExecStream::iterator& ExecStream::iterator::operator++() {
  impl_->advance();
  return *this;
}
bool ExecStream::iterator::at_end() const noexcept { return impl_ == nullptr || impl_->at_end(); }

ExecStream Container::stream(const Command& command, const RunOptions& options) {
  auto& s = state();
  detail::validate_run_options(options);
  auto impl = std::make_shared<detail::ExecStreamImpl>(state_, command, options);
  s.add_hook(impl);
  // A shutdown that ran its hooks before ours was added must still end this stream.
  if (s.closed) impl->on_container_shutdown();
  return ExecStream(std::move(impl));
}

}  // namespace pocketdock
