#include "scenarios.hpp"

#include "raw_client.hpp"

#include <pocketdock/pocketdock.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <stdlib.h>
#include <algorithm>
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

/// A figure measured in pairs: floor and library back to back, the order alternating, so that the
/// engine's drift (measured: within 11 stdout pairs the raw client alone ranged from 105 to 128
/// MB/s) hits both alike. The ratio is the median of the per-pair ratios.
struct Pairs {
  std::vector<double> floor;
  std::vector<double> lib;
  std::vector<double> ratio;
};

Pairs run_pairs(const Config& cfg, const char* label, int n, const std::function<double()>& floor_once,
                const std::function<double()>& lib_once) {
  Pairs p;
  for (int i = 0; i < n; ++i) {
    double f = 0;
    double l = 0;
    if (i % 2 == 0) {
      f = floor_once();
      l = lib_once();
    } else {
      l = lib_once();
      f = floor_once();
    }
    p.floor.push_back(f);
    p.lib.push_back(l);
    p.ratio.push_back(l / f);
    if (cfg.samples) std::printf("  %s pair %d: floor %.3f lib %.3f ratio %.3f\n", label, i, f, l, l / f);
  }
  return p;
}

Row paired_row(std::string figure, std::string unit, const Pairs& p, double cli, double limit, bool lower_is_better) {
  Row r{std::move(figure),
        std::move(unit),
        percentile(p.floor, 0.5),
        percentile(p.lib, 0.5),
        cli,
        percentile(p.ratio, 0.5),
        "",
        true};
  if (limit > 0) {
    char b[48];
    std::snprintf(b, sizeof b, "lib/floor %s %.2f", lower_is_better ? "<=" : ">=", limit);
    r.target = b;
    r.pass = lower_is_better ? r.ratio <= limit : r.ratio >= limit;
  }
  return r;
}

Row reported(std::string figure, std::string unit, double floor, double lib) {
  return {std::move(figure), std::move(unit), floor, lib, -1, -1, "", true};
}

Row rss_row(std::string scenario, double rss) {
  return {"peak RSS, " + std::move(scenario), "MiB", -1, rss, -1, -1, "< 64 MiB", rss < 64};
}

/// Runs `f`, returning its wall time in ms and adding its client CPU time to `cpu`.
double timed(const std::function<void()>& f, double& cpu) {
  double c0 = cpu_ms();
  double t = time_ms(f);
  cpu += cpu_ms() - c0;
  return t;
}

/// Runs `f` and returns the peak RSS (MiB) reached while it ran.
double with_peak_rss(const std::function<void()>& f) {
  reset_peak_rss();
  f();
  return peak_rss_mib();
}

bool selected(const Config& cfg, const std::string& name) {
  return cfg.only.empty() || std::find(cfg.only.begin(), cfg.only.end(), name) != cfg.only.end();
}

std::string mib_label(const Config& cfg) {
  return cfg.big_bytes >= (1ULL << 20) ? std::to_string(cfg.big_bytes >> 20) + " MiB"
                                       : std::to_string(cfg.big_bytes) + " B";
}

void exec_scenarios(const Config& cfg, RawClient& raw, pocketdock::Container& c, bool have_cli,
                    std::vector<Row>& rows) {
  const std::string id = c.id();
  for (int i = 0; i < 3; ++i) {
    (void)raw.exec(id, R"(["true"])");
    (void)c.run(pocketdock::Command::argv({"true"}));
  }
  double floor_cpu = 0;
  double lib_cpu = 0;
  double rss = 0;
  Pairs p = run_pairs(
      cfg, "exec", cfg.iterations, [&] { return timed([&] { (void)raw.exec(id, R"(["true"])"); }, floor_cpu); },
      [&] {
        double t = 0;
        rss = std::max(
            rss, with_peak_rss([&] { t = timed([&] { (void)c.run(pocketdock::Command::argv({"true"})); }, lib_cpu); }));
        return t;
      });
  std::vector<double> cli_t;
  if (have_cli) {
    std::string cmd = cli_prefix(cfg) + " exec " + id + " true";
    for (int i = 0; i < std::max(3, cfg.iterations / 3); ++i) {
      cli_t.push_back(time_ms([&] { (void)std::system(cmd.c_str()); }));
    }
  }
  rows.push_back(paired_row("exec round trip p50", "ms", p, percentile(cli_t, 0.5), 1.05, true));
  rows.push_back(reported("exec round trip p99", "ms", percentile(p.floor, 0.99), percentile(p.lib, 0.99)));
  rows.back().cli = percentile(cli_t, 0.99);
  const double n = static_cast<double>(cfg.iterations);
  rows.push_back({"client CPU per exec", "ms", floor_cpu / n, lib_cpu / n, -1, -1, "lib <= 2 ms", lib_cpu / n <= 2.0});
  rows.push_back(rss_row("exec loop", rss));
}

void threads_scenario(const Config& cfg, RawClient& raw, pocketdock::Container& c, std::vector<Row>& rows) {
  const std::string id = c.id();
  const int per_thread = std::max(2, cfg.iterations / 4);
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
  double rss = 0;
  Pairs p = run_pairs(
      cfg, "8 threads", cfg.quick ? 1 : 3, [&] { return throughput([&] { (void)raw.exec(id, R"(["true"])"); }); },
      [&] {
        double r = 0;
        rss = std::max(
            rss, with_peak_rss([&] { r = throughput([&] { (void)c.run(pocketdock::Command::argv({"true"})); }); }));
        return r;
      });
  rows.push_back(paired_row("8-thread exec throughput", "exec/s", p, -1, 0, false));
  rows.push_back(rss_row("8 threads", rss));
}

/// A throughput figure: `floor_once` and `lib_once` each move `cfg.big_bytes` once; `before` runs
/// untimed ahead of each of them. Adds the throughput, client CPU and peak RSS rows of `what`.
void throughput_rows(const Config& cfg, std::vector<Row>& rows, const std::string& what,
                     const std::function<void()>& before, const std::function<void()>& floor_once,
                     const std::function<void()>& lib_once) {
  const double mb = static_cast<double>(cfg.big_bytes) / 1e6;
  double floor_cpu = 0;
  double lib_cpu = 0;
  double rss = 0;
  Pairs p = run_pairs(
      cfg, what.c_str(), cfg.runs,
      [&] {
        before();
        return mb / (timed(floor_once, floor_cpu) / 1000.0);
      },
      [&] {
        before();
        double t = 0;
        rss = std::max(rss, with_peak_rss([&] { t = timed(lib_once, lib_cpu); }));
        return mb / (t / 1000.0);
      });
  rows.push_back(paired_row(what + " throughput (" + mib_label(cfg) + ")", "MB/s", p, -1, 0.95, false));
  const double n = static_cast<double>(cfg.runs);
  rows.push_back(reported("client CPU per " + what, "ms", floor_cpu / n, lib_cpu / n));
  rows.push_back(rss_row(what, rss));
}

void stdout_scenario(const Config& cfg, RawClient& raw, pocketdock::Container& c, std::vector<Row>& rows) {
  const std::string id = c.id();
  const std::string count = std::to_string(cfg.big_bytes);
  throughput_rows(
      cfg, rows, "stdout", [] {},
      [&] {
        std::uint64_t got = 0;
        (void)raw.exec(id, R"(["head","-c",")" + count + R"(","/dev/zero"])", &got);
        if (got != cfg.big_bytes) throw std::runtime_error("the floor's stdout was short");
      },
      [&] {
        std::uint64_t got = 0;
        auto s =
            c.stream(pocketdock::Command::argv({"head", "-c", count, "/dev/zero"}), {.max_output = cfg.big_bytes + 1});
        s.collect_output(false);  // consumed as a stream: constant memory
        for (const auto& chunk : s) got += chunk.data.size();
        if (got != cfg.big_bytes) throw std::runtime_error("the library's stdout was short");
      });
}

void transfer_scenarios(const Config& cfg, RawClient& raw, pocketdock::Container& c, std::vector<Row>& rows) {
  const std::string id = c.id();
  char dir_tmpl[] = "/tmp/pdbench-XXXXXX";
  if (::mkdtemp(dir_tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::string dir = dir_tmpl;
  const std::string file = dir + "/big.bin";
  std::string make = "head -c " + std::to_string(cfg.big_bytes) + " /dev/urandom > " + file + " && tar -C " + dir +
                     " -cf " + dir + "/big.tar big.bin";
  if (std::system(make.c_str()) != 0) throw std::runtime_error("could not make the test file");
  // Warm-up: the first file operation on a container reads its mount table once.
  std::ofstream(dir + "/small.txt") << "warm";
  c.push(dir + "/small.txt", "/tmp/small.txt");
  c.pull("/tmp/small.txt", dir + "/small-back.txt");
  // Before each transfer: the last one's dirty pages are written back and its copy is gone.
  auto before = [&] {
    std::filesystem::remove(dir + "/raw-pull.tar");
    std::filesystem::remove(dir + "/lib-pull.bin");
    ::sync();
  };
  if (selected(cfg, "push")) {
    throughput_rows(
        cfg, rows, "push", before, [&] { raw.put_archive(id, "/tmp", dir + "/big.tar"); },
        [&] { c.push(file, "/tmp/big.bin"); });
  }
  if (selected(cfg, "pull")) {
    if (!selected(cfg, "push")) c.push(file, "/tmp/big.bin");
    throughput_rows(
        cfg, rows, "pull", before, [&] { (void)raw.get_archive_to_file(id, "/tmp/big.bin", dir + "/raw-pull.tar"); },
        [&] {
          c.pull("/tmp/big.bin", dir + "/lib-pull.bin");
          if (std::filesystem::file_size(dir + "/lib-pull.bin") != cfg.big_bytes) {
            throw std::runtime_error("the library's pull was short");
          }
        });
  }
  std::filesystem::remove_all(dir);
}

void session_scenario(const Config& cfg, RawClient& raw, pocketdock::Container& c, std::vector<Row>& rows) {
  const int m = cfg.quick ? 20 : 1000;
  // The first round trips of a new shell include its start-up: both sides drop ten.
  auto floor_t = raw.shell_round_trips(c.id(), m + 10);
  floor_t.erase(floor_t.begin(), floor_t.begin() + 10);
  std::vector<double> lib_t;
  double rss = with_peak_rss([&] {
    auto s = c.session();
    for (int i = 0; i < 10; ++i) (void)s.send_and_wait("true");
    for (int i = 0; i < m; ++i) lib_t.push_back(time_ms([&] { (void)s.send_and_wait("true"); }));
    s.close();
  });
  double p50 = percentile(lib_t, 0.5);
  rows.push_back({"session round trip p50", "ms", percentile(floor_t, 0.5), p50, -1, -1, "lib <= 1 ms", p50 <= 1.0});
  rows.push_back(reported("session round trip p99", "ms", percentile(floor_t, 0.99), percentile(lib_t, 0.99)));
  rows.push_back(rss_row("session", rss));
}

void lifecycle_scenario(const Config& cfg, RawClient& raw, bool have_cli, std::vector<Row>& rows) {
  double rss = 0;
  Pairs p = run_pairs(
      cfg, "lifecycle", cfg.iterations, [&] { return time_ms([&] { raw.create_start_remove(kImage, rand_name()); }); },
      [&] {
        double t = 0;
        rss = std::max(rss, with_peak_rss([&] {
                         t = time_ms([&] {
                           auto x = pocketdock::create_new_container(lib_options(cfg));
                           x.shutdown();
                         });
                       }));
        return t;
      });
  std::vector<double> cli_t;
  if (have_cli) {
    for (int i = 0; i < std::max(2, cfg.iterations / 6); ++i) {
      std::string name = rand_name();
      std::string cmd = cli_prefix(cfg) + " run -d --init --name " + name + " --label pocketdock.test=true " + kImage +
                        " sleep infinity >/dev/null && " + cli_prefix(cfg) + " rm -f " + name + " >/dev/null";
      cli_t.push_back(time_ms([&] { (void)std::system(cmd.c_str()); }));
    }
  }
  rows.push_back(paired_row("create+start+shutdown p50", "ms", p, percentile(cli_t, 0.5), 1.05, true));
  rows.push_back(rss_row("create+start+shutdown", rss));
}

}  // namespace

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names = {"exec", "threads", "stdout", "push", "pull", "session", "lifecycle"};
  return names;
}

std::vector<Row> run_all(const Config& cfg) {
  std::vector<Row> rows;
  RawClient raw(cfg.socket);
  bool have_cli = cli_available(cfg);
  auto c = pocketdock::create_new_container(lib_options(cfg));
  // Between scenarios the last one's write-back and the engine's own clean-up end first: a
  // session measured right after 256 MiB transfers ran at twice its idle round trip, floor too.
  auto settle = [&] {
    ::sync();
    if (!cfg.quick) std::this_thread::sleep_for(std::chrono::seconds(2));
  };
  if (selected(cfg, "exec")) exec_scenarios(cfg, raw, c, have_cli, rows);
  if (selected(cfg, "threads")) threads_scenario(cfg, raw, c, rows);
  settle();
  if (selected(cfg, "stdout")) stdout_scenario(cfg, raw, c, rows);
  settle();
  if (selected(cfg, "push") || selected(cfg, "pull")) transfer_scenarios(cfg, raw, c, rows);
  settle();
  if (selected(cfg, "session")) session_scenario(cfg, raw, c, rows);
  settle();
  if (selected(cfg, "lifecycle")) lifecycle_scenario(cfg, raw, have_cli, rows);
  return rows;
}

void print_table(const Config& cfg, const std::vector<Row>& rows) {
  auto num = [](double v) {
    if (v < 0) return std::string("-");
    char b[32];
    std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : "%.2f", v);
    return std::string(b);
  };
  std::printf("\n## %s (%s): %d exec and lifecycle pairs, %d transfer pairs of %s\n\n", cfg.engine.c_str(),
              cfg.socket.c_str(), cfg.iterations, cfg.runs, mib_label(cfg).c_str());
  std::printf("| %-34s | %-6s | %9s | %9s | %9s | %9s | %-20s | %-6s |\n", "figure", "unit", "floor", "library", "CLI",
              "lib/floor", "target", "result");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(36, '-').c_str(), std::string(8, '-').c_str(),
              std::string(11, '-').c_str(), std::string(11, '-').c_str(), std::string(11, '-').c_str(),
              std::string(11, '-').c_str(), std::string(22, '-').c_str(), std::string(8, '-').c_str());
  for (const auto& r : rows) {
    double value = r.ratio >= 0 ? r.ratio : (r.floor > 0 && r.lib >= 0 ? r.lib / r.floor : -1);
    std::string ratio = num(value);
    std::printf("| %-34s | %-6s | %9s | %9s | %9s | %9s | %-20s | %-6s |\n", r.figure.c_str(), r.unit.c_str(),
                num(r.floor).c_str(), num(r.lib).c_str(), num(r.cli).c_str(), ratio.c_str(), r.target.c_str(),
                r.target.empty() ? "" : (r.pass ? "ok" : "MISSED"));
  }
  std::fflush(stdout);
}

}  // namespace bench
