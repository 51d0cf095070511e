#include <pocketdock/pocketdock.hpp>

#include <iostream>

int main() {
  pocketdock::ExecResult r{.exit_code = 0, .out = "hello\n"};
  std::cout << "pocketdock " << pocketdock::get_version() << ": ok=" << r.ok() << "\n";
  return r.ok() ? 0 : 1;
}
