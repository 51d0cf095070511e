// Quickstart: create a sandbox, run commands in it, write and read files, print the results.
// The sandbox is removed when `sandbox` goes out of scope.
#include <pocketdock/format.hpp>
#include <pocketdock/pocketdock.hpp>

#include <fmt/ranges.h>

#include <cstdlib>
#include <string>

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
    fmt::print("sandbox {} on {} (API {})\n", sandbox.name(), pocketdock::to_string(sandbox.engine().kind),
               sandbox.engine().api_version);
    for (const char* command : {"echo hello from the sandbox", "uname -s; id -un", "echo oops >&2; exit 3"}) {
      fmt::print("$ {}\n  {}\n", command, sandbox.run(command));
    }
    auto slow = sandbox.run("sleep 10", {.timeout = std::chrono::milliseconds(500)});
    fmt::print("$ sleep 10   (timeout 500 ms)\n  {}\n", slow);

    // Files: write one, let a command use it, read the result back. (write_file creates files
    // and missing parents owned by root, so the command writes its result to the home dir.)
    sandbox.write_file("/home/sandbox/input/numbers.txt", "3\n1\n2\n");
    auto sorted = sandbox.run("sort -n input/numbers.txt > sorted.txt");
    std::string back = sandbox.read_file("/home/sandbox/sorted.txt");
    fmt::print("files in /home/sandbox: {}\nsorted.txt: {:?}\n", fmt::join(sandbox.list_files(), ", "), back);
    return slow.timed_out && sorted.ok() && back == "1\n2\n3\n" ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    fmt::print(stderr, "pocketdock: {}\n", e.what());
    return 1;
  }
}
