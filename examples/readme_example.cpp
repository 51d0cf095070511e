// The README's example, built and run by the tests so the README stays true.
#include <iostream>
#include <pocketdock/pocketdock.hpp>

int main() {
  using namespace std::chrono_literals;
  auto sandbox = pocketdock::create_new_container({.image = "pocketdock/minimal-shell", .mem_limit = "256m"});
  pocketdock::ExecResult r = sandbox.run("echo hello; echo oops >&2; exit 3");
  std::cout << r.exit_code << " " << r.out << r.err;      // 3 hello\n oops\n
  auto slow = sandbox.run("sleep 60", {.timeout = 1s});   // killed, with its children
  std::cout << std::boolalpha << slow.timed_out << "\n";  // true
  auto argv = sandbox.run(pocketdock::Command::argv({"echo", "$(no shell here)"}));
  std::cout << argv.out;                               // $(no shell here)
  auto fed = sandbox.run("wc -c", {.input = "four"});  // stdin, then EOF
  std::cout << fed.out;                                // 4
  return r.exit_code == 3 && slow.timed_out && argv.out == "$(no shell here)\n" && fed.out == "4\n" ? 0 : 1;
}  // sandbox removed here
