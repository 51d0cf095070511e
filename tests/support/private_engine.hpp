#pragma once
// An engine instance a test starts, kills and restarts on its own, so faults of the engine
// itself can be tested without touching the shared engines other tests use.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace pdtest {

/// A private Podman API service or dockerd on a socket in a temporary directory, started by
/// this process and only ever signalled by the PID it started.
///
/// Podman: `podman system service --time=0` with the shared service's containers.conf (same
/// storage: containers outlive the service, conmon keeps them). Docker: a second dockerd with
/// its own data and exec roots, `--bridge=none --iptables=false` (the shared dockerd owns
/// docker0) and `--live-restore` (containers outlive the daemon), in a network namespace of its
/// own (`unshare --net`, which execs it: the PID is dockerd's) because a dockerd with
/// `--bridge=none` deletes any docker0 it sees. It runs containers without a network only. The
/// test image is copied into it from the shared dockerd. The destructor stops the engine (SIGTERM, then SIGKILL),
/// removes every container of a private dockerd first, and deletes the directory.
class PrivateEngine {
 public:
  /// Starts the engine of `kind` ("podman" or "docker") and waits until it answers.
  /// @throws std::runtime_error if it does not answer within 60 s.
  explicit PrivateEngine(const std::string& kind);
  ~PrivateEngine();
  PrivateEngine(const PrivateEngine&) = delete;
  PrivateEngine& operator=(const PrivateEngine&) = delete;

  [[nodiscard]] const std::string& socket() const noexcept { return socket_; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

  /// SIGKILL to the engine process, reaped before returning.
  void kill();
  /// Starts the engine again on the same socket and waits until it answers.
  void restart();

 private:
  void start();
  void stop() noexcept;
  [[nodiscard]] std::vector<std::string> command() const;

  std::string kind_;
  std::filesystem::path dir_;
  std::string socket_;
  pid_t pid_ = -1;
};

}  // namespace pdtest
