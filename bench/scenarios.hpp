#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Config {
  std::string engine;
  std::string socket;
  int iterations = 40;                     ///< exec and create+start+shutdown pairs
  int runs = 15;                           ///< pairs of each large transfer
  std::uint64_t big_bytes = 256ULL << 20;  ///< size of the throughput scenarios
  std::vector<std::string> only;           ///< scenarios to run (empty: all)
  bool samples = false;                    ///< print every pair's figures
  bool quick = false;                      ///< smoke run: few iterations, small sizes, no verdict
};

/// The scenario names `--only` takes.
[[nodiscard]] const std::vector<std::string>& scenario_names();

struct Row {
  std::string figure;
  std::string unit;
  double floor = -1;  ///< < 0: not applicable
  double lib = -1;
  double cli = -1;
  double ratio = -1;   ///< median of the per-pair lib/floor ratios; < 0: lib/floor of the medians
  std::string target;  ///< e.g. "lib/floor <= 1.05"; empty: reported only
  bool pass = true;
};

[[nodiscard]] std::vector<Row> run_all(const Config& cfg);
void print_table(const Config& cfg, const std::vector<Row>& rows);

}  // namespace bench
