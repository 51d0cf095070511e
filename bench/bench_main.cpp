// pocketdock_bench: one run per engine measures, side by side, the raw floor (bench/raw_client:
// a minimal hand-written client doing the same Engine API calls on the same socket), the library,
// and the engine CLI where it applies, then prints a table with library/floor ratios. Exits 3 when
// a target is missed (never with --quick, the smoke run).
#include "raw_client.hpp"
#include "scenarios.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

namespace {

void usage(const char* argv0) {
  std::string names;
  for (const auto& n : bench::scenario_names()) names += (names.empty() ? "" : ",") + n;
  std::fprintf(stderr,
               "usage: %s [--engine podman|docker|both] [--iterations N] [--runs N] [--only LIST] [--samples] "
               "[--quick]\n"
               "  --iterations N  exec and create+start+shutdown pairs (default 40)\n"
               "  --runs N        pairs of each 256 MiB transfer (default 15)\n"
               "  --only LIST     comma-separated scenarios: %s\n"
               "  --samples       print every pair's figures\n"
               "  --quick         smoke run: 3 pairs, 8 MiB, no verdict\n",
               argv0, names.c_str());
}

int positive(const char* s) {
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  return end != s && *end == '\0' && v > 0 && v < 100000 ? static_cast<int>(v) : -1;
}

}  // namespace

int main(int argc, char** argv) {
  bench::Config cfg;
  std::vector<std::string> engines = {"podman", "docker"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool has_value = i + 1 < argc;
    if (a == "--engine" && has_value) {
      std::string e = argv[++i];
      if (e != "both" && e != "podman" && e != "docker") {
        usage(argv[0]);
        return 2;
      }
      engines = e == "both" ? std::vector<std::string>{"podman", "docker"} : std::vector<std::string>{e};
    } else if ((a == "--iterations" || a == "--runs") && has_value) {
      int v = positive(argv[++i]);
      if (v < 0) {
        usage(argv[0]);
        return 2;
      }
      (a == "--iterations" ? cfg.iterations : cfg.runs) = v;
    } else if (a == "--only" && has_value) {
      std::stringstream list(argv[++i]);
      for (std::string name; std::getline(list, name, ',');) {
        const auto& known = bench::scenario_names();
        if (std::find(known.begin(), known.end(), name) == known.end()) {
          usage(argv[0]);
          return 2;
        }
        cfg.only.push_back(name);
      }
    } else if (a == "--samples") {
      cfg.samples = true;
    } else if (a == "--quick") {
      cfg.iterations = 3;
      cfg.runs = 3;
      cfg.big_bytes = 8ULL << 20;
      cfg.quick = true;
    } else {
      usage(argv[0]);
      return 2;
    }
  }
  int failures = 0;
  for (const auto& engine : engines) {
    std::string var = engine == "docker" ? "POCKETDOCK_TEST_DOCKER_SOCKET" : "POCKETDOCK_TEST_PODMAN_SOCKET";
    const char* s = std::getenv(var.c_str());
    cfg.engine = engine;
    cfg.socket = s != nullptr && *s != '\0' ? s : "/run/pocketdock/" + engine + ".sock";
    try {
      auto rows = bench::run_all(cfg);
      bench::print_table(cfg, rows);
      for (const auto& r : rows) failures += r.target.empty() || r.pass ? 0 : 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "benchmark on %s failed: %s\n", engine.c_str(), e.what());
      return 1;
    }
  }
  if (cfg.quick) {
    std::printf("\nsmoke run: figures only, no verdict\n");
    return 0;
  }
  std::printf("\n%s\n", failures == 0 ? "all targets met" : (std::to_string(failures) + " target(s) missed").c_str());
  return failures == 0 ? 0 : 3;
}
