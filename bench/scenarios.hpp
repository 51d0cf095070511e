#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

struct Config {
  std::string engine;
  std::string socket;
  int iterations = 30;
  std::uint64_t big_bytes = 256ULL << 20;  ///< size of the throughput scenarios
  bool quick = false;                      ///< smoke run: few iterations, small sizes, no verdict
};

struct Row {
  std::string figure;
  std::string unit;
  double floor = -1;  ///< < 0: not applicable
  double lib = -1;
  double cli = -1;
  std::string target;  ///< e.g. "lib/floor <= 1.05"; empty: reported only
  bool pass = true;
};

[[nodiscard]] std::vector<Row> run_all(const Config& cfg);
void print_table(const Config& cfg, const std::vector<Row>& rows);

}  // namespace bench
