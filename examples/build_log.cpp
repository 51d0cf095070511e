// Build log: build an image from a generated Dockerfile directory, printing the engine's
// progress lines as they arrive; then use the image and remove it.
#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

int main() {
  namespace fs = std::filesystem;
  const char* base = std::getenv("POCKETDOCK_EXAMPLE_IMAGE");
  std::string tag = fmt::format("pocketdock-example/build-log:{:08x}", std::random_device{}());

  fs::path dir = fs::temp_directory_path() / fmt::format("pocketdock-build-log-{:08x}", std::random_device{}());
  fs::create_directories(dir);
  std::ofstream(dir / "greeting.txt") << "built by pocketdock\n";
  std::ofstream(dir / "Dockerfile") << "FROM " << (base != nullptr ? base : "pocketdock/minimal-shell") << "\n"
                                    << "COPY greeting.txt /home/sandbox/greeting.txt\n"
                                    << "RUN echo \"building on $(uname -m)\" && wc -c /home/sandbox/greeting.txt\n";

  pocketdock::CreateOptions options{.image = tag, .mem_limit = "256m"};
  if (std::getenv("POCKETDOCK_EXAMPLE_LABEL_TEST") != nullptr) {
    options.labels["pocketdock.test"] = "true";
    if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID")) options.labels["pocketdock.test.run"] = run;
  }
  int status = 1;
  try {
    int lines = 0;
    std::string id = pocketdock::build_image(dir.string(), {.tag = tag, .on_progress = [&](std::string_view line) {
                                                              ++lines;
                                                              fmt::print("  | {}\n", line);
                                                            }});
    fmt::print("built {} ({}) from {} progress lines\n", tag, id.substr(0, 19), lines);
    {
      auto sandbox = pocketdock::create_new_container(options);
      auto r = sandbox.run("cat /home/sandbox/greeting.txt");
      fmt::print("greeting.txt in the new image: {}", r.out);
      status = r.out == "built by pocketdock\n" && lines > 0 ? 0 : 1;
    }  // the sandbox is removed here, so the image can go
    pocketdock::remove_image(tag);
  } catch (const pocketdock::PocketDockError& e) {
    fmt::print(stderr, "pocketdock: {}\n", e.what());
    try {
      pocketdock::remove_image(tag, true);
    } catch (const pocketdock::PocketDockError&) {
      // Nothing was built.
    }
  }
  fs::remove_all(dir);
  return status;
}
