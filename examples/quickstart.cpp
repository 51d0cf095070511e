// Quickstart: create a sandbox, run commands in it, print the results. The sandbox is removed
// when `sandbox` goes out of scope.
#include <pocketdock/pocketdock.hpp>

#include <cstdlib>
#include <iostream>

int main() {
  const char* image = std::getenv("POCKETDOCK_EXAMPLE_IMAGE");
  pocketdock::CreateOptions options{.image = image != nullptr ? image : "pocketdock/minimal-shell",
                                    .mem_limit = "256m"};
  if (std::getenv("POCKETDOCK_EXAMPLE_LABEL_TEST") != nullptr) {
    options.labels["pocketdock.test"] = "true";
    if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID")) options.labels["pocketdock.test.run"] = run;
  }
  try {
    auto sandbox = pocketdock::create_new_container(options);
    std::cout << "sandbox " << sandbox.name() << " on " << pocketdock::to_string(sandbox.engine().kind) << "\n";
    for (const char* command : {"echo hello from the sandbox", "uname -s; id -un", "echo oops >&2; exit 3"}) {
      pocketdock::ExecResult r = sandbox.run(command);
      std::cout << "$ " << command << "\n"
                << "  exit_code=" << r.exit_code << " ok=" << std::boolalpha << r.ok()
                << " duration_ms=" << r.duration_ms() << "\n"
                << "  out=" << r.out << "  err=" << r.err << "\n";
    }
    auto slow = sandbox.run("sleep 10", {.timeout = std::chrono::milliseconds(500)});
    std::cout << "$ sleep 10 (timeout 500 ms)\n  timed_out=" << slow.timed_out << "\n";
    return slow.timed_out ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    std::cerr << "pocketdock: " << e.what() << "\n";
    return 1;
  }
}
