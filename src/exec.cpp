#include "exec.hpp"
#include "container_state.hpp"
#include "exec_modes.hpp"

#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/random.h>

#include <algorithm>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string_view>

#include <cerrno>
#include <cstring>

namespace pocketdock::detail {
namespace {

// Runs as the exec's user (reading another user's /proc/<pid>/environ needs CAP_SYS_PTRACE).
// Every caller value is a positional parameter: nothing is interpolated into the script.
//   $1=$2  the environment entry marking the roots; $3 signal number; $4 rescans while nothing
//   matches yet; $5 1 if the roots include a supervisor (its parent, outside the container, is
//   pid 0) that is spared all but SIGKILL; $6 tenths of a second before SIGKILL follows another
//   signal (0: never); $7 a session supervisor's environment entry: also every process below it
//   that started at most as many milliseconds before this script read its clock as the caller
//   answers on stdin (after "clock" on stdout), except the session's shell (its first child).
// A snapshot L holds "pid ppid starttime state;" of every live process; T is the set to signal.
// A signal is delivered asynchronously, so SIGKILL waits until the stopped set really is stopped
// before it checks that nothing new appeared.
constexpr const char* kSignalScript = R"SH(v=$1; t=$2; sig=$3; w=$4; sup=$5; grace=$6; sv=$7; me=$$
if [ -n "$sv" ]; then
  read -r up _ < /proc/uptime; echo clock; read -r age || exit 0
  i=${up%%.*}; f=${up#*.}00; f=${f%"${f#??}"}; f=${f#0}
  t0=$((i * 100 + f - age / 10 - 1))
fi
snap() {
  L=
  for d in /proc/[0-9]*; do
    p=${d#/proc/}; [ "$p" = "$me" ] && continue
    read -r x < "$d/stat" 2>/dev/null || continue
    x=${x##*) }; set -- $x
    [ "$1" = Z ] && continue
    L="$L$p $2 ${20} $1;"
  done
}
holders() {
  H=" $(grep -lzxF -- "$1" /proc/[0-9]*/environ 2>/dev/null | sed -n 's#^/proc/\([0-9]*\)/environ$#\1#p' | tr '\n' ' ')"
}
closure() {
  C=$1
  while :; do
    c=0; IFS=';'
    for e in $L; do
      IFS=' '; set -- $e
      case "$C" in *" $1 "*) continue;; esac
      case "$C" in *" $2 "*) C="$C$1 "; c=1;; esac
    done
    IFS=' '; [ $c = 0 ] && return 0
  done
}
outer() {
  O=; IFS=';'
  for e in $L; do IFS=' '; set -- $e; [ "$2" = 0 ] && case "$H" in *" $1 "*) O="$O$1 ";; esac; done
  IFS=' '
}
sweep() {
  snap; holders "$v=$t"; closure "$H"; T=$C; X=
  [ "$sup" = 1 ] && { outer; X=$O; }
  [ -n "$sv" ] || return 0
  holders "$sv"; outer; S=${O%% *}
  [ -n "$S" ] || return 0
  closure " $S "; sh0=; IFS=';'
  for e in $L; do
    IFS=' '; set -- $e
    [ "$2" = "$S" ] && { [ -z "$sh0" ] || [ "$1" -lt "$sh0" ]; } && sh0=$1
  done
  IFS=';'
  for e in $L; do
    IFS=' '; set -- $e
    case "$C" in *" $1 "*) ;; *) continue;; esac
    { [ "$1" = "$S" ] || [ "$1" = "$sh0" ] || [ "$3" -lt "$t0" ]; } && continue
    case "$T" in *" $1 "*) ;; *) T="$T$1 ";; esac
  done
  IFS=' '
}
stopped() {
  m=0
  while [ $m -lt 50 ]; do
    snap; busy=; IFS=';'
    for e in $L; do
      IFS=' '; set -- $e
      case "$1 $4" in *" T"|*" t") continue;; esac
      case "$prev" in *" $1 "*) busy=1; break;; esac
    done
    IFS=' '; [ -z "$busy" ] && return 0
    m=$((m + 1)); sleep 0.01
  done
}
kill_all() {
  n=0
  while [ $n -lt 20 ]; do
    n=$((n + 1)); sweep
    case "$T" in *[0-9]*) ;; *) return 0;; esac
    prev=$T
    for p in $T; do kill -STOP "$p" 2>/dev/null; done
    stopped; sweep
    [ "$T" = "$prev" ] && for p in $T; do kill -KILL "$p" 2>/dev/null; done
  done
}
r=0
while :; do
  sweep
  case "$T" in *[0-9]*) break;; esac
  r=$((r + 1)); [ $r -gt "$w" ] && exit 0; sleep 0.05
done
[ "$sig" = 9 ] && { kill_all; exit 0; }
for p in $T; do case "$X" in *" $p "*) ;; *) kill -"$sig" "$p" 2>/dev/null;; esac; done
k=0
while [ $k -lt "$grace" ]; do
  sleep 0.1; sweep; left=
  for p in $T; do case "$X" in *" $p "*) ;; *) left=1;; esac; done
  [ -z "$left" ] && exit 0
  k=$((k + 1))
done
[ "$grace" -gt 0 ] && kill_all
exit 0
)SH";

std::vector<std::string> env_list(const RunOptions& options, const std::string& token) {
  std::vector<std::string> env;
  env.reserve(options.env.size() + 1);
  env.push_back(std::string(kExecTokenVar) + "=" + token);
  for (const auto& [k, v] : options.env) {
    if (k.empty() || k.find('=') != std::string::npos || k.find('\0') != std::string::npos) {
      throw InvalidArgument(fmt::format("invalid environment variable name {:?}", k));
    }
    env.push_back(k + "=" + v);
  }
  return env;
}

}  // namespace

std::string random_hex(std::size_t digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string bytes((digits + 1) / 2, '\0');
  std::size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw SocketCommunicationError(fmt::format("getrandom failed: {}", std::strerror(errno)));
    got += static_cast<std::size_t>(n);
  }
  std::string out(digits, '0');
  for (std::size_t i = 0; i < digits; ++i) {
    auto b = static_cast<unsigned char>(bytes[i / 2]);
    out[i] = kHex[(i % 2 == 0 ? b >> 4U : b) & 0xFU];
  }
  return out;
}

bool supervised_execs(ContainerState& state) {
  int known = state.supervision.load();
  if (known != 0) return known == 1;
  if (state.runtime == "runc" || state.runtime == "crun") {
    state.supervision.store(1);
    return true;
  }
  EngineClient& engine = *state.engine;
  std::string id = state.current_id();
  bool ok = false;
  ExecCreateRequest req{engine.supervisor_probe(), {}, "", "", false};
  std::string exec_id = engine.exec_create(id, req);
  ExecReader reader(engine.exec_start(exec_id, id));
  if (drain_until_eof(reader, deadline_after(engine.api_timeout()))) ok = exit_code_after_eof(engine, exec_id) == 0;
  state.supervision.store(ok ? 1 : 2);
  return ok;
}

LaunchedExec launch_exec(EngineClient& engine, const std::string& container_id, const std::vector<std::string>& argv,
                         const RunOptions& options, bool keep_stdin_open, std::jthread* stdin_writer, bool supervised) {
  LaunchedExec ex;
  ex.started = Clock::now();
  ex.token = random_hex(32);
  ex.user = options.user;
  ex.supervised = supervised;
  const bool has_input = options.input && !options.input->empty();
  // Stdin is attached only when something will be written to it: an unattached command reads
  // /dev/null, and Docker streams output measurably faster (96 vs 109 MB/s) without it.
  std::vector<std::string> full_argv;
  if (supervised) full_argv = engine.supervisor_prefix();
  full_argv.insert(full_argv.end(), argv.begin(), argv.end());
  ExecCreateRequest req{std::move(full_argv), env_list(options, ex.token), options.workdir, options.user,
                        keep_stdin_open || has_input};
  ex.exec_id = engine.exec_create(container_id, req);
  ex.stream = engine.exec_start(ex.exec_id, container_id);
  if (keep_stdin_open) return ex;
  if (has_input) {
    if (options.input->size() <= 16 * 1024 || stdin_writer == nullptr) {
      try {
        ex.stream.conn.write_all(*options.input, deadline_after(engine.api_timeout()));
      } catch (const SocketCommunicationError&) {
        // The command ended without reading all of its input (as the writer thread below
        // tolerates too): its output and exit code say what happened.
      }
      ex.stream.conn.shutdown_write();
    } else {
      // A large input is written concurrently so a command that writes before reading cannot
      // deadlock against us. The writer owns a duplicate fd: the connection itself moves on.
      int dup_fd = ::fcntl(ex.stream.conn.fd(), F_DUPFD_CLOEXEC, 0);
      if (dup_fd < 0) throw SocketCommunicationError("dup of the exec connection failed");
      auto writer_conn = std::make_shared<UnixConnection>(dup_fd);
      std::string data = *options.input;
      auto timeout = engine.api_timeout();
      *stdin_writer = std::jthread([writer_conn, data = std::move(data), timeout] {
        try {
          writer_conn->write_all(data, deadline_after(timeout));
        } catch (const PocketDockError&) {
          // The command ended without reading all of its input.
        }
        writer_conn->shutdown_write();
      });
    }
  }
  return ex;
}

void signal_processes(EngineClient& engine, const std::string& container_id, const SignalRequest& q) noexcept {
  try {
    const bool session = !q.session_holder.empty();
    auto tenths = std::to_string(q.escalate_after.count() / 100);
    ExecCreateRequest req{
        {"sh", "-c", kSignalScript, "pocketdock-signal", q.variable, q.token, std::to_string(q.signal),
         q.wait_for_start ? "60" : "0", q.supervised ? "1" : "0", tenths, q.session_holder},
        {},
        "",
        q.user,
        session};
    std::string id = engine.exec_create(container_id, req);
    ExecReader reader(engine.exec_start(id, container_id));
    auto budget = std::min<std::chrono::milliseconds>(engine.api_timeout(), std::chrono::seconds(10));
    Deadline until = deadline_after(budget + q.escalate_after);
    if (session) {
      // The script has read its clock once it says so: the age sent now is at least the age at
      // that reading, so its boundary is never later than `session_since`.
      std::string said;
      auto sink = [&](std::uint8_t type, std::string_view d) {
        if (type == 1) said.append(d);
      };
      while (said.find('\n') == std::string::npos && reader.pump(until, sink)) {
      }
      auto age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - q.session_since);
      reader.connection().write_all(std::to_string(std::max<std::int64_t>(age.count(), 0) + 1) + "\n", until);
      reader.connection().shutdown_write();
    }
    (void)drain_until_eof(reader, until);
  } catch (...) {
    // The container may be gone or stopped, which ends the exec anyway.
  }
}

void kill_exec(EngineClient& engine, const std::string& container_id, const std::string& token, const std::string& user,
               bool supervised, bool wait_for_start) noexcept {
  signal_processes(engine, container_id,
                   {.token = token, .user = user, .wait_for_start = wait_for_start, .supervised = supervised});
}

int exit_code_after_eof(EngineClient& engine, const std::string& exec_id) {
  Deadline until = deadline_after(std::chrono::seconds(2));
  for (auto pause = std::chrono::milliseconds(1);; pause = std::min(pause * 2, std::chrono::milliseconds(50))) {
    ExecState s = engine.exec_inspect(exec_id);
    if (!s.running) return s.exit_code.value_or(-1);
    if (Clock::now() >= until) return -1;
    std::this_thread::sleep_for(pause);
  }
}

bool drain_until_eof(ExecReader& reader, Deadline deadline) noexcept {
  try {
    auto discard = [](std::uint8_t, std::string_view) {};
    while (reader.pump(deadline, discard)) {
    }
    return true;
  } catch (...) {
    return false;
  }
}

namespace {

std::optional<std::int64_t> read_oom_kills(EngineClient& engine, const std::string& container_id) {
  ExecCreateRequest req{
      {"cat", "/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events"}, {}, "", "", false};
  std::string exec_id = engine.exec_create(container_id, req);
  ExecReader reader(engine.exec_start(exec_id, container_id));
  std::string text;
  auto sink = [&](std::uint8_t type, std::string_view d) {
    if (type == 1 && text.size() < 4096) text.append(d.substr(0, 4096 - text.size()));
  };
  Deadline until = deadline_after(engine.api_timeout());
  while (reader.pump(until, sink)) {
  }
  // One "key value" pair per line; the count is a small non-negative number.
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line(text.data() + at, end - at);
    constexpr std::string_view kKey = "oom_kill ";
    if (line.substr(0, kKey.size()) == kKey && line.size() > kKey.size() && line.size() <= kKey.size() + 18 &&
        line.find_first_not_of("0123456789", kKey.size()) == std::string_view::npos) {
      return std::stoll(std::string(line.substr(kKey.size())));
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace

void note_oom_kills(ContainerState& state) noexcept {
  std::lock_guard lock(state.oom_mutex);
  if (state.oom_kills_claimed) return;
  try {
    state.oom_kills_claimed = read_oom_kills(*state.engine, state.current_id()).value_or(0);
  } catch (...) {
    // Unknown for now: the next command tries again.
  }
}

bool claim_oom_kill(ContainerState& state) noexcept {
  std::lock_guard lock(state.oom_mutex);
  try {
    auto kills = read_oom_kills(*state.engine, state.current_id());
    std::int64_t claimed = state.oom_kills_claimed.value_or(0);
    if (!kills || *kills <= claimed) return false;
    state.oom_kills_claimed = claimed + 1;
    return true;
  } catch (...) {
    return false;
  }
}

ExecResult run_to_completion(EngineClient& engine, const std::string& container_id, const Command& command,
                             const RunOptions& options, std::chrono::milliseconds default_timeout, bool supervised) {
  auto timeout = options.timeout.value_or(default_timeout);
  if (timeout <= std::chrono::milliseconds::zero()) throw InvalidArgument("run timeout must be positive");
  std::jthread writer;
  LaunchedExec ex =
      launch_exec(engine, container_id, command.resolve(options.lang), options, false, &writer, supervised);
  Deadline deadline = ex.started + timeout;
  ExecResult result;
  std::size_t total = 0;
  bool cap_reached = false;
  auto sink = [&](std::uint8_t type, std::string_view payload) {
    if (cap_reached || (type != 1 && type != 2)) return;
    std::size_t room = options.max_output - total;
    if (payload.size() > room) {
      payload = payload.substr(0, room);
      cap_reached = true;
    }
    total += payload.size();
    (type == 1 ? result.out : result.err).append(payload);
  };
  ExecReader reader(std::move(ex.stream));
  if (options.max_output == 0) cap_reached = true;
  try {
    while (!cap_reached && reader.pump(deadline, sink)) {
    }
  } catch (const TimeoutError&) {
    result.timed_out = true;
  }
  if (result.timed_out || cap_reached) {
    // Keep draining while the kill runs: Docker stalls other execs of a container whose exec
    // output is left unread.
    auto discard = [](std::uint8_t, std::string_view) {};
    (void)kill_and_drain(engine, container_id, ex.token, ex.user, ex.supervised, reader, discard);
    reader.connection().interrupt();  // also unblocks a stdin writer still waiting
    result.truncated = cap_reached;
    result.exit_code = result.timed_out ? -1 : exit_code_after_eof(engine, ex.exec_id);
  } else {
    if (reader.cut_mid_frame()) {
      throw SocketCommunicationError("exec output stream was cut inside a frame",
                                     ErrorContext{"exec start", container_id, "", 0});
    }
    result.exit_code = exit_code_after_eof(engine, ex.exec_id);
  }
  result.duration = Clock::now() - ex.started;
  return result;
}

}  // namespace pocketdock::detail
