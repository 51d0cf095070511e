#pragma once
// An in-process fake engine: an HTTP/1.1 server on a Unix socket in a temp dir that serves
// canned and faulty answers, to prove that every failure path gives the right error.

#include "unix_socket.hpp"

#include <pocketdock/options.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace pdtest {

struct FakeRequest {
  std::string method;
  std::string target;                          ///< path and query, e.g. "/v1.41/containers/x/json?all=true"
  std::map<std::string, std::string> headers;  ///< lower-case keys
  std::string body;                            ///< de-chunked
};

class FakeEngine;

/// Writes a whole answer on the connection. Return false to close the connection afterwards.
using FakeHandler = std::function<bool(const FakeRequest&, pocketdock::detail::UnixConnection&, FakeEngine&)>;

class FakeEngine {
 public:
  /// `podman` selects the ping headers of the engine it pretends to be.
  explicit FakeEngine(bool podman = false);
  ~FakeEngine();
  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  [[nodiscard]] const std::string& socket_path() const { return socket_path_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }

  /// Routes requests whose method matches and whose path (without /v1.41 and query) contains
  /// `path_part`. Later routes win over earlier ones.
  void on(const std::string& method, const std::string& path_part, FakeHandler handler);

  [[nodiscard]] std::vector<FakeRequest> requests() const;

  /// Plays an engine that went away: the listening socket is closed but its file stays (a
  /// connect is refused) and every open connection is cut.
  void stop_listening();
  /// Plays the engine coming back on the same socket path.
  void listen_again();
  [[nodiscard]] bool stopping() const { return stop_.load(); }
  /// Blocks until the server stops (for handlers that play a silent engine).
  void wait_until_stopped() const;

  // Canned handlers.
  static FakeHandler json(int status, std::string body);
  static FakeHandler empty(int status);
  static FakeHandler silent();
  /// Sends `bytes` verbatim, then closes.
  static FakeHandler raw(std::string bytes);
  /// 101 upgrade followed by `stream` bytes (frames), then close.
  static FakeHandler upgrade(std::string stream);
  /// `first` for the first request of its route, `then` for every later one (an engine that
  /// recovers).
  static FakeHandler once(FakeHandler first, FakeHandler then);
  /// Sends `bytes` one at a time, `gap` apart, then closes (an engine that trickles).
  static FakeHandler trickle(std::string bytes, std::chrono::milliseconds gap);

 private:
  void start_listening();
  void accept_loop();
  void serve(int fd);

  std::string dir_;
  std::string socket_path_;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<bool> stop_accepting_{false};
  bool podman_;
  mutable std::mutex mutex_;
  std::vector<std::pair<std::pair<std::string, std::string>, FakeHandler>> routes_;
  std::vector<FakeRequest> requests_;
  std::vector<std::thread> workers_;
  std::vector<int> client_fds_;
  std::thread acceptor_;
};

/// Serves the calls of a container's life: create (id abc123abc123abc123), start, stop, remove.
void serve_container(FakeEngine& engine);

/// Options creating a container named `name` on the fake engine.
[[nodiscard]] pocketdock::CreateOptions fake_container_options(const FakeEngine& engine, const std::string& name,
                                                               std::chrono::milliseconds api_timeout);

/// One script a session wrote to its shell, as a fake shell sees it.
struct ShellScript {
  bool bash_form = false;  ///< the bash dialect's short form (else the posix one)
  std::string nonce;       ///< empty for a fire-and-forget send
  std::string kill_token;  ///< empty for a fire-and-forget send
  std::string command;     ///< verbatim (a blank posix command arrives as ":")
};

/// Splits what a session writes to its shell into scripts, in both dialects: the posix form
/// (`export ...; printf <start markers>; {\n<command>\n} </dev/null; ...<end markers>\n`, a send
/// `{\n<command>\n} </dev/null\n`) and the bash form (the prelude's lines, then `__pd_b N;...\n`,
/// a send `__pd_r N;...\n`, each followed by a payload of N bytes: nonce, kill token, command).
class ShellScriptParser {
 public:
  void feed(std::string_view data) { input_.append(data); }
  /// The next complete script (prelude lines are skipped), or nullopt until more input arrives.
  [[nodiscard]] std::optional<ShellScript> next();

 private:
  std::string input_;
};

/// One multiplexed frame: [type 0 0 0 len(BE32)] payload.
[[nodiscard]] std::string frame(std::uint8_t type, const std::string& payload);

/// "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: N\r\n\r\n{body}"
[[nodiscard]] std::string http_response(int status, const std::string& body,
                                        const std::string& content_type = "application/json");

}  // namespace pdtest
