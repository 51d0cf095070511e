// Read-only help commands: quickstart.
#include "cli.hpp"
#include "output.hpp"

#include <CLI/CLI.hpp>

namespace pocketdock::cli {
namespace {

int quickstart_command() {
  std::vector<PanelLine> lines = {
      {"Prerequisites"},
      {"  Podman or Docker, running (rootless Podman, rootful Podman or Docker all work).", true},
      {""},
      {"Install"},
      {"  cmake -S . -B build && cmake --build build && cmake --install build", true},
      {""},
      {"Build an image"},
      {"  pocketdock build minimal-python", true},
      {"  pocketdock build minimal-shell      (needs no registry: static busybox + bash)", true},
      {""},
      {"Create a container"},
      {"  pocketdock create --name my-sandbox --profile minimal-python", true},
      {""},
      {"Run a command"},
      {"  pocketdock run my-sandbox echo hello", true},
      {""},
      {"Open a shell"},
      {"  pocketdock shell my-sandbox", true},
      {""},
      {"Clean up"},
      {"  pocketdock shutdown my-sandbox --yes", true},
      {""},
      {"See all profiles"},
      {"  pocketdock profiles", true},
      {""},
      {"Web server demo"},
      {"  pocketdock create --name my-web --profile minimal-python -p 8080:8000", true},
      {"  pocketdock shell my-web", true},
      {"  cd demo && python serve.py", true},
      {"  then open http://localhost:8080", true},
      {""},
      {"Docs: https://deftio.github.io/pocketdock/"},
  };
  print_panel("pocketdock quickstart", lines);
  return 0;
}

}  // namespace

void register_help_commands(CLI::App& app, CliState& state) {
  auto* cmd = app.add_subcommand("quickstart", "Show how to get started.");
  cmd->callback([&state] { state.exit_code = quickstart_command(); });
}

}  // namespace pocketdock::cli
