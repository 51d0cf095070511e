// pocketdock: the command-line tool. Parses the command line (CLI11), runs one command, and maps
// errors to the reference's panels and exit codes (1 for pocketdock errors, 2 for usage errors).
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/profiles.hpp>
#include <pocketdock/version.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <sstream>

namespace pocketdock::cli {

std::map<std::string, std::string> extra_labels() {
  std::map<std::string, std::string> out;
  const char* v = std::getenv("POCKETDOCK_EXTRA_LABELS");
  if (v == nullptr) return out;
  std::stringstream in(v);
  auto trim = [](std::string t) {
    auto first = t.find_first_not_of(" \t");
    if (first == std::string::npos) return std::string();
    return t.substr(first, t.find_last_not_of(" \t") - first + 1);
  };
  // "k=v,k2=v2": split on ',', then on the first '=' (a value may hold '=').
  for (std::string item; std::getline(in, item, ',');) {
    auto eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(item.substr(0, eq));
    if (key.empty()) continue;
    out[key] = trim(item.substr(eq + 1));
  }
  return out;
}

namespace {

struct ErrorPresentation {
  std::string title;
  std::string suggestion;
};

std::string profile_for_image(const std::string& image) {
  for (const auto& p : list_profiles()) {
    if (image == p.image_tag || image == p.image_tag + ":latest") return p.name;
  }
  return {};
}

ErrorPresentation present(const PocketDockError& e, const std::string& target) {
  if (dynamic_cast<const PodmanNotRunning*>(&e) != nullptr) {
    return {"Engine Not Found", "Start Podman or Docker and try again."};
  }
  if (dynamic_cast<const ContainerNotFound*>(&e) != nullptr) {
    return {"Container Not Found", "Run 'pocketdock list' to see available containers."};
  }
  if (const auto* nr = dynamic_cast<const ContainerNotRunning*>(&e); nr != nullptr) {
    // Commands never start a container as a side effect: say how to start it.
    return {"Container Not Running",
            fmt::format("Start it first: pocketdock resume {}", target.empty() ? nr->container_id() : target)};
  }
  if (const auto* img = dynamic_cast<const ImageNotFound*>(&e); img != nullptr) {
    std::string profile = profile_for_image(img->image());
    if (!profile.empty())
      return {"Image Not Found", fmt::format("Build the image first: pocketdock build {}", profile)};
    return {"Image Not Found", fmt::format("Pull the image first: docker pull {}", img->image())};
  }
  if (dynamic_cast<const ProjectNotInitialized*>(&e) != nullptr) {
    return {"Project Not Initialized", "Run 'pocketdock init' to create a project."};
  }
  if (dynamic_cast<const BuildError*>(&e) != nullptr) return {"Build Failed", ""};
  return {"Error", ""};
}

int report(const std::string& title, const std::string& message, const std::string& suggestion) {
  std::vector<PanelLine> lines;
  std::stringstream in(message);
  for (std::string l; std::getline(in, l);) lines.push_back({l});
  if (!suggestion.empty()) lines.push_back({suggestion, true});
  print_panel(title, lines, true, true);
  return 1;
}

int run(int argc, char** argv) {
  CliState state;
  CLI::App app("Portable container sandboxes for LLM agents and dev workflows.", "pocketdock");
  app.set_version_flag("--version", "pocketdock, version " + get_version(), "Show the version and exit.");
  app.add_option("--socket", state.global.socket, "Path to the Podman or Docker socket.")->envname("POCKETDOCK_SOCKET");
  app.add_flag("-v,--verbose", state.global.verbose, "Verbose output (accepted, no effect).");
  app.require_subcommand(0, 1);

  register_help_commands(app, state);
  register_container_commands(app, state);
  register_manage_commands(app, state);
  register_shell_command(app, state);
  register_project_commands(app, state);
  register_image_commands(app, state);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, std::cout, std::cerr);
    // Click's convention, which the reference follows: usage errors exit with 2.
    return code == 0 ? 0 : 2;
  } catch (const UsageError& e) {
    print_error_line(fmt::format("Usage: pocketdock {} [OPTIONS]", e.command()));
    print_error_line(fmt::format("Try 'pocketdock {} --help' for help.", e.command()));
    print_error_line("");
    print_error_line(fmt::format("Error: {}", e.what()));
    return 2;
  } catch (const PocketDockError& e) {
    auto p = present(e, state.target);
    return report(p.title, e.what(), p.suggestion);
  } catch (const std::exception& e) {
    return report("Error", e.what(), "");
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return state.exit_code;
}

}  // namespace
}  // namespace pocketdock::cli

int main(int argc, char** argv) {
  try {
    return pocketdock::cli::run(argc, argv);
  } catch (...) {
    return 1;  // run() reports every error it can; this only keeps main() from terminating
  }
}
