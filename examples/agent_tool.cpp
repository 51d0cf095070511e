// An "agent tool": run code an LLM wrote in a locked-down sandbox (no network, a memory cap,
// a timeout, an output cap) and hand each result back to the model as JSON.
#include <pocketdock/json.hpp>
#include <pocketdock/pocketdock.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;

// The tool the agent calls: one snippet in, one JSON result out. Never throws for bad code;
// only a broken sandbox is an error.
nlohmann::json run_tool(pocketdock::Container& sandbox, const std::string& code) {
  pocketdock::ExecResult r = sandbox.run(code, {.timeout = 2s, .max_output = 4096});
  nlohmann::json j = r;  // exit_code, stdout, stderr, duration_ms, timed_out, truncated
  j["code"] = code;
  return j;
}

}  // namespace

int main() {
  const char* image = std::getenv("POCKETDOCK_EXAMPLE_IMAGE");
  pocketdock::CreateOptions options{
      .image = image != nullptr ? image : "pocketdock/minimal-shell", .mem_limit = "64m", .network = false};
  if (std::getenv("POCKETDOCK_EXAMPLE_LABEL_TEST") != nullptr) {
    options.labels["pocketdock.test"] = "true";
    if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID")) options.labels["pocketdock.test.run"] = run;
  }
  // What a model might write: some fine, some broken, some hostile.
  const std::vector<std::string> snippets = {
      "echo $((6 * 7))",
      "for f in a b c; do echo \"$f\" > /tmp/$f.txt; done; ls /tmp/*.txt | wc -l",
      "echo 'syntax error' >&2; exit 2",
      "sleep 60",                                          // killed at the 2 s timeout
      "yes 'spam'",                                        // cut at 4096 bytes of output
      "wget -q -T 2 -O- http://1.1.1.1/ || echo offline",  // no network in the sandbox
      "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes",
  };
  try {
    auto sandbox = pocketdock::create_new_container(options);
    nlohmann::json results = nlohmann::json::array();
    for (const auto& code : snippets) results.push_back(run_tool(sandbox, code));
    std::cout << results.dump(2) << "\n";

    auto out = [&](std::size_t i) { return results[i]["stdout"].get<std::string>(); };
    bool ok = out(0) == "42\n" && out(1) == "3\n" && results[2]["exit_code"] == 2 && results[3]["timed_out"] == true &&
              results[4]["truncated"] == true && out(4).size() == 4096 && out(5) == "offline\n" &&
              out(6) == std::to_string(64 * 1024 * 1024) + "\n";
    return ok ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    std::cerr << "pocketdock: " << e.what() << "\n";
    return 1;
  }
}
