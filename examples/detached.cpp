// Detached processes: start commands in the background, get their output through callbacks
// as it arrives, look into and drain the buffer, and kill a process that runs too long.
#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

int main() {
  using namespace std::chrono_literals;
  const char* image = std::getenv("POCKETDOCK_EXAMPLE_IMAGE");
  pocketdock::CreateOptions options{.image = image != nullptr ? image : "pocketdock/minimal-shell",
                                    .mem_limit = "256m"};
  if (std::getenv("POCKETDOCK_EXAMPLE_LABEL_TEST") != nullptr) {
    options.labels["pocketdock.test"] = "true";
    if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID")) options.labels["pocketdock.test.run"] = run;
  }
  try {
    auto sandbox = pocketdock::create_new_container(options);
    std::mutex mu;
    std::string seen;  // everything the stdout callback received
    std::atomic<int> exits{0};
    sandbox.on_stdout([&](std::string_view data) {
      std::lock_guard lock(mu);
      seen.append(data);
      fmt::print("[callback] {}", data);
    });
    sandbox.on_exit([&](int code) {
      ++exits;
      fmt::print("[callback] a process exited with {}\n", code);
    });

    // A job that ticks three times.
    auto job = sandbox.spawn("for i in 1 2 3; do echo tick $i; sleep 0.2; done; echo warn >&2; exit 2");
    fmt::print("started {} (running: {})\n", job.id().substr(0, 12), job.is_running());
    auto result = job.wait(10s);
    auto peeked = job.peek();   // left in the buffer
    auto drained = job.read();  // taken out of the buffer
    fmt::print("job exit {}; buffer had stdout {:?} stderr {:?}; after read() {} bytes remain\n", result.exit_code,
               drained.out, drained.err, job.buffer_size());

    // A server that would run forever: once it is up (it says so), kill it and its children.
    auto forever = sandbox.spawn("echo ready; exec sleep 600");
    for (int i = 0; i < 100 && forever.peek().out.find("ready") == std::string::npos; ++i) {
      std::this_thread::sleep_for(50ms);
    }
    bool was_running = forever.is_running();
    forever.kill();
    auto killed = forever.wait(10s);
    fmt::print("sleep 600: running {}, after kill() exit {} running {}\n", was_running, killed.exit_code,
               forever.is_running());

    std::lock_guard lock(mu);
    bool ok = result.exit_code == 2 && peeked == drained && drained.out == "tick 1\ntick 2\ntick 3\n" &&
              drained.err == "warn\n" && job.buffer_size() == 0 && seen == "tick 1\ntick 2\ntick 3\nready\n" &&
              was_running && !forever.is_running() && exits == 2;
    return ok ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    fmt::print(stderr, "pocketdock: {}\n", e.what());
    return 1;
  }
}
