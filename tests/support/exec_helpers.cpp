#include "exec_helpers.hpp"

#include "engines.hpp"

#include <fstream>
#include <sstream>
#include <thread>

namespace pdtest {

bool eventually_absent(pocketdock::Container& c, const std::string& needle, std::chrono::milliseconds within) {
  auto until = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (ps_output(c).find(needle) == std::string::npos) return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

std::size_t proc_status_kib(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream in(line.substr(field.size() + 1));
      std::size_t kib = 0;
      in >> kib;
      return kib;
    }
  }
  return 0;
}

}  // namespace pdtest
