// Sessions: one long-lived shell whose working directory, variables and functions carry over
// from one command to the next (a plain `run` starts fresh every time).
#include <pocketdock/format.hpp>
#include <pocketdock/pocketdock.hpp>

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
    auto shell = sandbox.session();
    bool ok = true;
    auto step = [&](const char* command, const std::string& want_out, int want_code = 0) {
      auto r = shell.send_and_wait(command);
      fmt::print("$ {}\n  {}\n", command, r);
      ok = ok && r.out == want_out && r.exit_code == want_code;
    };
    step("mkdir -p /tmp/work && cd /tmp/work", "");
    step("export GREETING=hello; greet() { echo \"$GREETING, $1\"; }", "");
    step("pwd", "/tmp/work\n");
    step("greet world", "hello, world\n");
    step("false", "", 1);
    step("echo still here in $(pwd)", "still here in /tmp/work\n");
    // A plain run does not see the session's state.
    auto plain = sandbox.run("pwd; echo \"[$GREETING]\"");
    fmt::print("run() outside the session: {:?}\n", plain.out);
    shell.close();
    return ok && plain.out != "/tmp/work\n[hello]\n" && !shell.is_open() ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    fmt::print(stderr, "pocketdock: {}\n", e.what());
    return 1;
  }
}
