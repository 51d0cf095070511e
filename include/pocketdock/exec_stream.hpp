#pragma once
/// @file exec_stream.hpp
/// `ExecStream`: a command's output as it arrives, from `Container::stream`.

#include <pocketdock/errors.hpp>
#include <pocketdock/types.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <string>

namespace pocketdock {

class Container;

namespace detail {
class ExecStreamImpl;
}  // namespace detail

/// `ExecStream::result()` was asked for before the stream was exhausted, or the stream was
/// closed (or failed) before its command finished, so there is no result.
class StreamNotFinished : public PocketDockError {
 public:
  using PocketDockError::PocketDockError;
};

/// The output of a running command, as a move-only input range of `StreamChunk`:
///
///     auto s = c.stream("make 2>&1");
///     for (const StreamChunk& chunk : s) std::cout << chunk.data;
///     int code = s.result().exit_code;
///
/// Chunks come in arrival order, each tagged with its stream, bytes unchanged (a large frame may
/// come as several chunks). Unlike the reference, `RunOptions::timeout` (unset: the container's
/// default timeout) and `max_output` are honoured: at the timeout or when `max_output` bytes
/// have been delivered, the command and its children are killed and the range ends (the result
/// says `timed_out` / `truncated`; the last chunk is cut so exactly `max_output` bytes arrive).
///
/// Incrementing the iterator blocks until output arrives. It throws SocketCommunicationError
/// if the engine cuts the stream inside a frame (after yielding the bytes that did arrive),
/// TimeoutError if the engine stops answering the exit-code inspect, and other SocketErrors.
/// If the container is shut down meanwhile, the range simply ends and there is no result.
///
/// Destroying (or `close()`-ing) a stream whose command is still running kills the command and
/// its children and closes the connection; this is bounded in time even with a silent engine.
///
/// Thread-safety: one ExecStream is used by one thread at a time (like any range); many streams
/// may run at once on one container, from any threads. `Container::shutdown()` may be called
/// from another thread while a stream is being read: the read returns and the range ends.
/// Note: output a stream does not read stays queued in the engine (and Docker then stalls other
/// execs of the container), so iterate a stream promptly or destroy it.
class ExecStream {
 public:
  class iterator {  // NOLINT(readability-identifier-naming): the standard range member name
   public:
    using iterator_concept = std::input_iterator_tag;
    using iterator_category = std::input_iterator_tag;
    using value_type = StreamChunk;
    using difference_type = std::ptrdiff_t;
    using reference = const StreamChunk&;
    using pointer = const StreamChunk*;

    iterator() = default;
    [[nodiscard]] reference operator*() const;
    [[nodiscard]] pointer operator->() const;
    /// Fetches the next chunk (blocking). @throws as described on ExecStream
    iterator& operator++();
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept { return it.at_end(); }

   private:
    friend class ExecStream;
    explicit iterator(detail::ExecStreamImpl* impl) noexcept : impl_(impl) {}
    [[nodiscard]] bool at_end() const noexcept;
    detail::ExecStreamImpl* impl_ = nullptr;
  };

  ExecStream(ExecStream&&) noexcept;
  /// Ends the stream held before (as the destructor does), then takes `other`'s.
  ExecStream& operator=(ExecStream&& other) noexcept;
  ExecStream(const ExecStream&) = delete;
  ExecStream& operator=(const ExecStream&) = delete;
  /// Kills the command if it is still running and closes the connection. Never throws.
  ~ExecStream();

  /// The first chunk not yet consumed (fetching it, so this may block and throw like `++`).
  /// Calling begin() again continues where the last iterator stopped (an input range).
  [[nodiscard]] iterator begin();
  [[nodiscard]] std::default_sentinel_t end() const noexcept { return {}; }

  /// The engine's exec id.
  [[nodiscard]] const std::string& id() const;
  /// True once the range is exhausted and `result()` is available.
  [[nodiscard]] bool finished() const noexcept;
  /// The command's result: exit code (from the engine), duration, and the output it delivered
  /// (up to `max_output`, unless `collect_output(false)`).
  /// @throws StreamNotFinished before the range is exhausted, or if it was closed or failed.
  [[nodiscard]] const ExecResult& result() const;

  /// Whether delivered chunks are also collected into `result().out/err` (default true). Turn it
  /// off to stream unbounded output in constant memory; `max_output` still caps delivery.
  void collect_output(bool collect) noexcept;

  /// Ends the stream now, as the destructor does; `result()` then stays unavailable unless the
  /// command had already finished. Idempotent.
  void close() noexcept;

 private:
  friend class Container;
  explicit ExecStream(std::shared_ptr<detail::ExecStreamImpl> impl) noexcept;
  [[nodiscard]] detail::ExecStreamImpl& impl() const;
  std::shared_ptr<detail::ExecStreamImpl> impl_;
};

}  // namespace pocketdock
