#include "private_engine.hpp"

#include "engine_api.hpp"
#include "engines.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace pdtest {
namespace {

using namespace std::chrono_literals;

std::string run_dir() {
  const char* v = std::getenv("POCKETDOCK_RUN_DIR");
  return v != nullptr && *v != '\0' ? v : "/run/pocketdock";
}

bool answers(const std::string& socket) {
  try {
    (void)pocketdock::detail::ping_engine(socket, 2s);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// Mount points at or below `dir` (dockerd bind-mounts its data root onto itself), deepest first.
std::vector<std::string> mounts_below(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  const std::string prefix = dir.string();
  while (std::getline(in, line)) {
    // "id parent major:minor root mount-point ..."
    std::size_t at = 0;
    for (int field = 0; field < 4 && at != std::string::npos; ++field) at = line.find(' ', at + 1);
    if (at == std::string::npos) continue;
    std::string point = line.substr(at + 1, line.find(' ', at + 1) - at - 1);
    if (point == prefix || point.rfind(prefix + "/", 0) == 0) out.push_back(point);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

// The end of an engine's log, for the error when it does not come up (the directory goes with it).
std::string log_tail(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

void copy_test_image(const std::string& to_socket) {
  auto from = pocketdock::detail::EngineClient::connect({.socket = engine_socket()});
  auto to = pocketdock::detail::EngineClient::connect({.socket = to_socket});
  std::string archive;
  from->save_images({kTestImage}, 120s, [&](std::string_view d) {
    archive.append(d);
    return true;
  });
  bool sent = false;
  (void)to->load_images(120s, [&](const std::function<bool(std::string_view)>& write) {
    if (!sent) (void)write(archive);
    sent = true;
    return false;
  });
}

}  // namespace

PrivateEngine::PrivateEngine(const std::string& kind) : kind_(kind) {
  if (kind_ != "podman" && kind_ != "docker") throw std::runtime_error("PrivateEngine: unknown engine " + kind_);
  std::string templ = "/tmp/pocketdock-engine-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("PrivateEngine: mkdtemp failed");
  dir_ = templ;
  socket_ = (dir_ / (kind_ + ".sock")).string();
  try {
    start();
    if (kind_ == "docker") copy_test_image(socket_);
  } catch (...) {
    stop();
    throw;
  }
}

PrivateEngine::~PrivateEngine() { stop(); }

std::vector<std::string> PrivateEngine::command() const {
  if (kind_ == "podman") return {"podman", "system", "service", "--time=0", "unix://" + socket_};
  // In a network namespace of its own: `--bridge=none` makes dockerd delete the host's docker0,
  // which the shared dockerd needs (the lead saw it vanish twice); unshare execs dockerd, so the
  // PID we keep is dockerd's.
  return {"unshare",
          "--net",
          "--",
          "dockerd",
          "--host",
          "unix://" + socket_,
          "--data-root",
          (dir_ / "data").string(),
          "--exec-root",
          (dir_ / "exec").string(),
          "--pidfile",
          (dir_ / "docker.pid").string(),
          "--bridge=none",
          "--iptables=false",
          "--live-restore"};
}

void PrivateEngine::start() {
  // Both leave their socket (and dockerd its pid file) behind when killed: ours to clear.
  std::filesystem::remove(socket_);
  std::filesystem::remove(dir_ / "docker.pid");
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  if (kind_ == "podman") env.push_back("CONTAINERS_CONF=" + run_dir() + "/containers.conf");
  std::vector<std::string> args = command();
  std::vector<char*> argv;
  std::vector<char*> envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (dir_ / (kind_ + ".log")).string();
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  int rc = posix_spawnp(&pid_, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("PrivateEngine: cannot start " + args[0]);
  }
  auto until = std::chrono::steady_clock::now() + 60s;
  while (!answers(socket_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("PrivateEngine: " + args[0] + " exited during start-up:\n" + log_tail(log));
    }
    if (std::chrono::steady_clock::now() > until) {
      throw std::runtime_error("PrivateEngine: " + args[0] + " did not answer on " + socket_ + " within 60 s:\n" +
                               log_tail(log));
    }
    std::this_thread::sleep_for(100ms);
  }
}

void PrivateEngine::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  (void)::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (kind_ == "docker") {
    // dockerd's own containerd dies with it (parent-death signal), a moment later. A restarted
    // dockerd that still sees it would wait for it and give up: wait until it is gone.
    const auto pidfile = dir_ / "exec" / "containerd" / "containerd.pid";
    std::ifstream in(pidfile);
    pid_t containerd = 0;
    if (in >> containerd && containerd > 0) {
      for (auto until = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < until;) {
        std::ifstream stat("/proc/" + std::to_string(containerd) + "/stat");
        std::string line;
        if (!std::getline(stat, line) || line.find(") Z ") != std::string::npos) break;
        std::this_thread::sleep_for(50ms);
      }
    }
    std::filesystem::remove(pidfile);
  }
}

void PrivateEngine::restart() {
  kill();
  start();
}

void PrivateEngine::stop() noexcept {
  try {
    // A dockerd left killed would leave its live-restore containers running: start it once more
    // to remove them.
    if (kind_ == "docker" && pid_ <= 0 && std::filesystem::exists(dir_ / "data")) start();
  } catch (...) {
    // Nothing more to do than stop what runs.
  }
  try {
    if (kind_ == "docker" && pid_ > 0 && answers(socket_)) {
      // Everything on a private dockerd is this test's; a container left would keep its shim.
      auto engine = pocketdock::detail::EngineClient::connect({.socket = socket_});
      for (const auto& item : engine->list_containers("")) engine->remove_container(item.value("Id", ""), true);
    }
  } catch (...) {
    // Still stop the engine.
  }
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    auto until = std::chrono::steady_clock::now() + 15s;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) {
        ::kill(pid_, SIGKILL);
        (void)::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(50ms);
    }
    pid_ = -1;
  }
  for (const auto& m : mounts_below(dir_)) (void)::umount2(m.c_str(), MNT_DETACH);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

}  // namespace pdtest
