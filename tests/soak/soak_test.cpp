// Leak soak: 500 mixed operations on real containers (runs with timeouts and output caps,
// streams destroyed early, spawned processes killed or dropped, sessions opened and closed or
// dropped busy, file transfers, reboots, container handles destroyed while busy). Before and
// after: this process's fds, threads and RSS, the engine's running execs and the processes in
// the containers, and the soak's containers. Nothing may grow beyond the bounds below.
#include "support/engines.hpp"
#include "support/exec_helpers.hpp"

#include "engine_api.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using pocketdock::Container;

constexpr int kOperations = 500;
// Bounds on growth from before to after (after the warm-up, so lazily made state such as the
// pool of keep-alive connections of each engine client already exists).
constexpr long kMaxFdGrowth = 4;      // a few more pooled keep-alive connections at most
constexpr long kMaxThreadGrowth = 0;  // every reader thread ends with its handle
constexpr long kMaxRssGrowthKib = 16 * 1024;
constexpr long kMaxRunningExecGrowth = 0;
constexpr long kMaxProcessGrowth = 0;  // in the soak's containers, by the engine's top
constexpr long kMaxContainerGrowth = 0;

long count_dir(const char* path) {
  long n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(path)) ++n;
  return n;
}

struct Snapshot {
  long fds = 0;
  long threads = 0;
  long rss_kib = 0;
  long running_execs = 0;
  long recorded_execs = 0;  // ExecIDs: Docker lists running execs only, Podman also ended ones
  long processes = 0;
  long containers = 0;
};

class Soak {
 public:
  Soak() : engine_(pdtest::raw_engine()), label_("pocketdock.test.soak=" + pdtest::unique_name("soak")) {
    a_ = std::make_unique<Container>(pocketdock::create_new_container(options()));
    b_ = std::make_unique<Container>(pocketdock::create_new_container(options()));
  }

  pocketdock::CreateOptions options() const {
    auto o = pdtest::sandbox_options();
    o.labels["pocketdock.test.soak"] = label_.substr(label_.find('=') + 1);
    o.network = false;
    return o;
  }

  Snapshot measure() {
    Snapshot s;
    for (Container* c : {a_.get(), b_.get()}) {
      auto inspect = engine_->inspect_container(c->id());
      for (const auto& exec_id : inspect.value("ExecIDs", nlohmann::json::array())) {
        ++s.recorded_execs;
        try {
          if (engine_->exec_inspect(exec_id.get<std::string>()).running) ++s.running_execs;
        } catch (const pocketdock::PocketDockError&) {
          // Ended and forgotten between the two calls.
        }
      }
      s.processes +=
          static_cast<long>(engine_->container_top(c->id()).value("Processes", nlohmann::json::array()).size());
    }
    s.containers = static_cast<long>(engine_->list_containers(label_).size());
    // Counted after the engine calls above, so both snapshots hold what this measuring client
    // itself keeps (its pooled connection, its deadline thread, both made at its first call).
    s.fds = count_dir("/proc/self/fd");
    s.threads = count_dir("/proc/self/task");
    s.rss_kib = static_cast<long>(pdtest::proc_status_kib("VmRSS"));
    return s;
  }

  // One operation of kind `kind`; returns its name.
  const char* operate(int kind, int i) {
    Container& c = (i % 2 == 0) ? *a_ : *b_;
    switch (kind) {
      case 0: {
        auto r = c.run("echo op" + std::to_string(i));
        EXPECT_EQ(r.out, "op" + std::to_string(i) + "\n");
        return "run";
      }
      case 1: {
        auto r = c.run("sleep 30", {.timeout = 300ms});
        EXPECT_TRUE(r.timed_out);
        return "run with timeout";
      }
      case 2: {
        auto s = c.stream("i=0; while [ $i -lt 100000 ]; do echo line$i; i=$((i+1)); done");
        auto it = s.begin();
        EXPECT_FALSE(it == s.end());
        return "stream destroyed early";
      }
      case 3: {
        auto p = c.spawn("sleep 30");
        p.kill(SIGKILL);
        (void)p.wait(10s);
        EXPECT_FALSE(p.is_running());
        return "spawn killed";
      }
      case 4: {
        auto s = c.session();
        auto r = s.send_and_wait("echo s" + std::to_string(i));
        EXPECT_EQ(r.out, "s" + std::to_string(i) + "\n");
        s.close();
        return "session";
      }
      case 5: {
        std::string data(1000 + i, static_cast<char>('a' + i % 26));
        std::string path = "/soak/f" + std::to_string(i % 7) + ".txt";
        c.write_file(path, data);
        EXPECT_EQ(c.read_file(path), data);
        return "file transfer";
      }
      case 6: {
        auto p = c.spawn("sleep 30");
        return "process dropped busy";
      }
      case 7: {
        auto s = c.session();
        s.send("sleep 30");
        return "session dropped busy";
      }
      case 8: {
        auto r = c.run("yes", {.max_output = 1000});
        EXPECT_TRUE(r.truncated);
        return "run over max_output";
      }
      case 9: {
        a_->reboot();
        return "reboot";
      }
      default: {
        auto busy = pocketdock::create_new_container(options());
        auto p = busy.spawn("sleep 30");
        auto s = busy.stream("sleep 30");
        return "container dropped busy";
      }
    }
  }

  static int kind_of(int i) {
    if (i % 100 == 99) return 9;  // 5 reboots
    if (i % 50 == 24) return 10;  // 10 containers destroyed while busy
    return i % 9;
  }

 private:
  std::shared_ptr<pocketdock::detail::EngineClient> engine_;
  std::string label_;
  std::unique_ptr<Container> a_;
  std::unique_ptr<Container> b_;
};

void print_row(const char* what, long before, long after, long bound) {
  std::printf("[ soak     ] %-30s %10ld %10ld %+8ld   (bound %+ld)\n", what, before, after, after - before, bound);
}

TEST(Soak, FiveHundredMixedOperationsLeakNothing) {
  Soak soak;
  for (int kind = 0; kind <= 10; ++kind) (void)soak.operate(kind, kind);  // warm-up
  Snapshot before = soak.measure();

  auto started = Clock::now();
  std::map<std::string, int> counts;
  for (int i = 0; i < kOperations; ++i) {
    SCOPED_TRACE("operation " + std::to_string(i));
    ++counts[soak.operate(Soak::kind_of(i), i)];
    if ((i + 1) % 100 == 0) {
      std::printf("[ soak     ] %d operations, %.1f s\n", i + 1,
                  std::chrono::duration<double>(Clock::now() - started).count());
      std::fflush(nullptr);
    }
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);

  // Killed processes are reaped and ended reader threads joined asynchronously: give them a moment.
  Snapshot after = soak.measure();
  for (auto until = Clock::now() + 10s; Clock::now() < until; std::this_thread::sleep_for(250ms)) {
    if (after.threads - before.threads <= kMaxThreadGrowth && after.processes - before.processes <= kMaxProcessGrowth &&
        after.running_execs - before.running_execs <= kMaxRunningExecGrowth) {
      break;
    }
    after = soak.measure();
  }

  std::printf("[ soak     ] engine %s: %d operations in %.1f s\n", pdtest::engine_kind().c_str(), kOperations,
              static_cast<double>(elapsed.count()) / 1000.0);
  for (const auto& [name, n] : counts) std::printf("[ soak     ]   %-28s %d\n", name.c_str(), n);
  std::printf("[ soak     ] %-30s %10s %10s %8s\n", "", "before", "after", "growth");
  print_row("open fds", before.fds, after.fds, kMaxFdGrowth);
  print_row("threads", before.threads, after.threads, kMaxThreadGrowth);
  print_row("RSS (KiB)", before.rss_kib, after.rss_kib, kMaxRssGrowthKib);
  print_row("running execs", before.running_execs, after.running_execs, kMaxRunningExecGrowth);
  print_row("processes in the containers", before.processes, after.processes, kMaxProcessGrowth);
  print_row("soak containers", before.containers, after.containers, kMaxContainerGrowth);
  std::printf("[ soak     ] %-30s %10ld %10ld   (not bounded: Podman keeps ended exec sessions)\n",
              "exec ids the engine records", before.recorded_execs, after.recorded_execs);

  EXPECT_LE(after.fds - before.fds, kMaxFdGrowth);
  EXPECT_LE(after.threads - before.threads, kMaxThreadGrowth);
  EXPECT_LE(after.rss_kib - before.rss_kib, kMaxRssGrowthKib);
  EXPECT_LE(after.running_execs - before.running_execs, kMaxRunningExecGrowth);
  EXPECT_LE(after.processes - before.processes, kMaxProcessGrowth);
  EXPECT_LE(after.containers - before.containers, kMaxContainerGrowth);
}

}  // namespace
