// pocketdock_bench: one run per engine measures, side by side, the raw floor (bench/raw_client:
// a minimal hand-written client doing the same Engine API calls on the same socket), the library,
// and the engine CLI where it applies, then prints a table with library/floor ratios.
//
// Usage: pocketdock_bench [--engine podman|docker|both] [--iterations N] [--quick]
#include "raw_client.hpp"
#include "scenarios.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  bench::Config cfg;
  std::vector<std::string> engines = {"podman", "docker"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--engine" && i + 1 < argc) {
      std::string e = argv[++i];
      engines = e == "both" ? std::vector<std::string>{"podman", "docker"} : std::vector<std::string>{e};
    } else if (a == "--iterations" && i + 1 < argc) {
      cfg.iterations = std::atoi(argv[++i]);
    } else if (a == "--quick") {
      cfg.iterations = 3;
      cfg.big_bytes = 8ULL << 20;
      cfg.quick = true;
    } else {
      std::fprintf(stderr, "usage: %s [--engine podman|docker|both] [--iterations N] [--quick]\n", argv[0]);
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
  std::printf("\n%s\n", failures == 0 ? "all targets met" : (std::to_string(failures) + " target(s) missed").c_str());
  return cfg.quick ? 0 : (failures == 0 ? 0 : 3);
}
