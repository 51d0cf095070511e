#include "scenarios.hpp"

#include "raw_client.hpp"

#include <pocketdock/pocketdock.hpp>

#include <sys/resource.h>

#include <stdlib.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kImage = "pocketdock/minimal-shell";

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double q) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  auto idx = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(idx, v.size() - 1)];
}

double cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  auto tv = [](timeval t) { return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

double peak_rss_mib() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return -1;
}

std::string rand_name() {
  static std::mt19937_64 rng{std::random_device{}()};
  char buf[32];
  std::snprintf(buf, sizeof buf, "pdbench-%08llx", static_cast<unsigned long long>(rng() & 0xffffffffULL));
  return buf;
}

std::string cli_prefix(const Config& cfg) {
  return cfg.engine == "docker" ? "docker -H unix://" + cfg.socket : "podman --url unix://" + cfg.socket;
}

bool cli_available(const Config& cfg) {
  std::string probe = cli_prefix(cfg) + " version >/dev/null 2>&1";
  return std::system(probe.c_str()) == 0;
}

double time_ms(const std::function<void()>& f) {
  auto t0 = Clock::now();
  f();
  return ms(Clock::now() - t0);
}

pocketdock::CreateOptions lib_options(const Config& cfg) {
  pocketdock::CreateOptions o;
  o.image = kImage;
  o.name = rand_name();
  o.labels = {{"pocketdock.test", "true"}};
  o.engine.socket = cfg.socket;
  return o;
}

Row ratio_row(std::string figure, std::string unit, double floor, double lib, double cli, double limit,
              bool lower_is_better) {
  Row r{std::move(figure), std::move(unit), floor, lib, cli, "", true};
  if (limit > 0) {
    r.target = lower_is_better ? "lib/floor <= " + std::to_string(limit).substr(0, 4)
                               : "lib/floor >= " + std::to_string(limit).substr(0, 4);
    double ratio = lib / floor;
    r.pass = lower_is_better ? ratio <= limit : ratio >= limit;
  }
  return r;
}

}  // namespace

std::vector<Row> run_all(const Config& cfg) {
  std::vector<Row> rows;
  RawClient raw(cfg.socket);
  const int n = cfg.iterations;
  bool have_cli = cli_available(cfg);
  auto c = pocketdock::create_new_container(lib_options(cfg));
  const std::string id = c.id();

  // Exec round trip of `true`: floor and library alternate, so drift hits both alike.
  {
    std::vector<double> floor_t, lib_t, cli_t;
    for (int i = 0; i < 2; ++i) {
      (void)raw.exec(id, R"(["true"])");
      (void)c.run(pocketdock::Command::argv({"true"}));
    }
    double lib_cpu = 0;
    reset_peak_rss();
    for (int i = 0; i < n; ++i) {
      floor_t.push_back(time_ms([&] { (void)raw.exec(id, R"(["true"])"); }));
      double c0 = cpu_ms();
      lib_t.push_back(time_ms([&] { (void)c.run(pocketdock::Command::argv({"true"})); }));
      lib_cpu += cpu_ms() - c0;
    }
    double rss = peak_rss_mib();
    if (have_cli) {
      std::string cmd = cli_prefix(cfg) + " exec " + id + " true";
      for (int i = 0; i < std::max(3, n / 3); ++i) cli_t.push_back(time_ms([&] { (void)std::system(cmd.c_str()); }));
    }
    rows.push_back(ratio_row("exec round trip p50", "ms", percentile(floor_t, 0.5), percentile(lib_t, 0.5),
                             percentile(cli_t, 0.5), 1.05, true));
    rows.push_back(ratio_row("exec round trip p99", "ms", percentile(floor_t, 0.99), percentile(lib_t, 0.99),
                             percentile(cli_t, 0.99), 0, true));
    Row cpu{"client CPU per exec", "ms", -1, lib_cpu / n, -1, "lib <= 2 ms", lib_cpu / n <= 2.0};
    rows.push_back(cpu);
    rows.push_back({"peak RSS, exec loop", "MiB", -1, rss, -1, "", true});
  }

  // 8 threads running execs on one container.
  {
    const int per_thread = std::max(2, n / 4);
    auto throughput = [&](const std::function<void()>& one) {
      std::vector<std::thread> threads;
      auto t0 = Clock::now();
      for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < per_thread; ++i) one();
        });
      }
      for (auto& t : threads) t.join();
      return 8.0 * per_thread / (ms(Clock::now() - t0) / 1000.0);
    };
    double floor = throughput([&] { (void)raw.exec(id, R"(["true"])"); });
    reset_peak_rss();
    double lib = throughput([&] { (void)c.run(pocketdock::Command::argv({"true"})); });
    double rss = peak_rss_mib();
    rows.push_back(ratio_row("8-thread exec throughput", "exec/s", floor, lib, -1, 0, false));
    rows.push_back({"peak RSS, 8 threads", "MiB", -1, rss, -1, "", true});
  }

  // stdout throughput of a large output, consumed and discarded.
  {
    std::string count = std::to_string(cfg.big_bytes);
    // Medians of three runs each, floor and library alternating.
    std::vector<double> floor_runs, lib_runs;
    double rss = 0;
    for (int i = 0; i < 3; ++i) {
      std::uint64_t got = 0;
      double floor_ms = time_ms([&] { (void)raw.exec(id, R"(["head","-c",")" + count + R"(","/dev/zero"])", &got); });
      floor_runs.push_back(static_cast<double>(got) / 1e6 / (floor_ms / 1000.0));
      reset_peak_rss();
      std::uint64_t lib_bytes = 0;
      double lib_ms = time_ms([&] {
        auto s =
            c.stream(pocketdock::Command::argv({"head", "-c", count, "/dev/zero"}), {.max_output = cfg.big_bytes + 1});
        s.collect_output(false);  // consume as a stream: constant memory
        for (const auto& chunk : s) lib_bytes += chunk.data.size();
      });
      rss = std::max(rss, peak_rss_mib());
      lib_runs.push_back(static_cast<double>(lib_bytes) / 1e6 / (lib_ms / 1000.0));
    }
    double floor_mbs = percentile(floor_runs, 0.5);
    double lib_mbs = percentile(lib_runs, 0.5);
    rows.push_back(ratio_row("stdout throughput (" + std::to_string(cfg.big_bytes >> 20) + " MiB)", "MB/s", floor_mbs,
                             lib_mbs, -1, 0.95, false));
    rows.push_back({"peak RSS, stdout stream", "MiB", -1, rss, -1, "< 64 MiB", rss < 64});
  }

  // Push and pull of a large random file.
  {
    char dir_tmpl[] = "/tmp/pdbench-XXXXXX";
    std::string dir = ::mkdtemp(dir_tmpl);
    std::string file = dir + "/big.bin";
    std::string make = "head -c " + std::to_string(cfg.big_bytes) + " /dev/urandom > " + file + " && tar -C " + dir +
                       " -cf " + dir + "/big.tar big.bin";
    if (std::system(make.c_str()) != 0) throw std::runtime_error("could not make the test file");
    double mb = static_cast<double>(cfg.big_bytes) / 1e6;
    // Warm-up: the first file operation on a container reads its mount table once.
    {
      std::ofstream(dir + "/small.txt") << "warm";
      c.push(dir + "/small.txt", "/tmp/small.txt");
      c.pull("/tmp/small.txt", dir + "/small-back.txt");
    }
    // Medians of three transfers each, floor and library alternating.
    std::vector<double> fpush, lpush, fpull, lpull;
    double push_rss = 0;
    double pull_rss = 0;
    for (int i = 0; i < 3; ++i) {
      fpush.push_back(time_ms([&] { raw.put_archive(id, "/tmp", dir + "/big.tar"); }));
      reset_peak_rss();
      lpush.push_back(time_ms([&] { c.push(file, "/tmp/big.bin"); }));
      push_rss = std::max(push_rss, peak_rss_mib());
      fpull.push_back(time_ms([&] { (void)raw.get_archive_to_file(id, "/tmp/big.bin", dir + "/raw-pull.tar"); }));
      reset_peak_rss();
      lpull.push_back(time_ms([&] { c.pull("/tmp/big.bin", dir + "/lib-pull.bin"); }));
      pull_rss = std::max(pull_rss, peak_rss_mib());
      std::filesystem::remove(dir + "/lib-pull.bin");
    }
    double floor_push = percentile(fpush, 0.5);
    double lib_push = percentile(lpush, 0.5);
    double floor_pull = percentile(fpull, 0.5);
    double lib_pull = percentile(lpull, 0.5);
    std::string rm = "rm -rf " + dir;
    (void)std::system(rm.c_str());
    rows.push_back(ratio_row("push throughput (" + std::to_string(cfg.big_bytes >> 20) + " MiB)", "MB/s",
                             mb / (floor_push / 1000), mb / (lib_push / 1000), -1, 0.95, false));
    rows.push_back({"peak RSS, push", "MiB", -1, push_rss, -1, "< 64 MiB", push_rss < 64});
    rows.push_back(ratio_row("pull throughput (" + std::to_string(cfg.big_bytes >> 20) + " MiB)", "MB/s",
                             mb / (floor_pull / 1000), mb / (lib_pull / 1000), -1, 0.95, false));
    rows.push_back({"peak RSS, pull", "MiB", -1, pull_rss, -1, "< 64 MiB", pull_rss < 64});
  }

  // Session round trip of `true`.
  {
    const int m = cfg.quick ? 20 : 1000;
    auto floor_t = raw.shell_round_trips(id, m);
    auto s = c.session();
    for (int i = 0; i < 10; ++i) (void)s.send_and_wait("true");
    std::vector<double> lib_t;
    for (int i = 0; i < m; ++i) lib_t.push_back(time_ms([&] { (void)s.send_and_wait("true"); }));
    s.close();
    double p50 = percentile(lib_t, 0.5);
    rows.push_back({"session round trip p50", "ms", percentile(floor_t, 0.5), p50, -1, "lib <= 1 ms", p50 <= 1.0});
    rows.push_back({"session round trip p99", "ms", percentile(floor_t, 0.99), percentile(lib_t, 0.99), -1, "", true});
  }

  // Create + start + shutdown of a container.
  {
    std::vector<double> floor_t, lib_t, cli_t;
    const int m = std::max(3, n / 3);
    for (int i = 0; i < m; ++i) {
      floor_t.push_back(time_ms([&] { raw.create_start_remove(kImage, rand_name()); }));
      lib_t.push_back(time_ms([&] {
        auto x = pocketdock::create_new_container(lib_options(cfg));
        x.shutdown();
      }));
    }
    if (have_cli) {
      for (int i = 0; i < std::max(2, m / 2); ++i) {
        std::string name = rand_name();
        std::string cmd = cli_prefix(cfg) + " run -d --init --name " + name + " --label pocketdock.test=true " +
                          kImage + " sleep infinity >/dev/null && " + cli_prefix(cfg) + " rm -f " + name +
                          " >/dev/null";
        cli_t.push_back(time_ms([&] { (void)std::system(cmd.c_str()); }));
      }
    }
    rows.push_back(ratio_row("create+start+shutdown p50", "ms", percentile(floor_t, 0.5), percentile(lib_t, 0.5),
                             percentile(cli_t, 0.5), 1.05, true));
  }
  return rows;
}

void print_table(const Config& cfg, const std::vector<Row>& rows) {
  auto num = [](double v) {
    if (v < 0) return std::string("-");
    char b[32];
    std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : "%.2f", v);
    return std::string(b);
  };
  std::printf("\n## %s (%s), %d iterations\n\n", cfg.engine.c_str(), cfg.socket.c_str(), cfg.iterations);
  std::printf("| %-34s | %-6s | %9s | %9s | %9s | %9s | %-20s | %-6s |\n", "figure", "unit", "floor", "library", "CLI",
              "lib/floor", "target", "result");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(8, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(22, '-').c_str(), std::string(8, '-').c_str());
  for (const auto& r : rows) {
    std::string ratio = r.floor > 0 && r.lib >= 0 ? num(r.lib / r.floor) : "-";
    std::printf("| %-34s | %-6s | %9s | %9s | %9s | %9s | %-20s | %-6s |\n", r.figure.c_str(), r.unit.c_str(),
                num(r.floor).c_str(), num(r.lib).c_str(), num(r.cli).c_str(), ratio.c_str(), r.target.c_str(),
                r.target.empty() ? "" : (r.pass ? "ok" : "MISSED"));
  }
  std::fflush(stdout);
}

}  // namespace bench
