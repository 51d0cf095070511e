#pragma once
// Shared pieces of the `pocketdock` command-line tool: global options, the exit code a command
// chose, usage errors, and the registration function of each command group (one file each).

#include <pocketdock/options.hpp>
#include <pocketdock/persistence.hpp>

#include <map>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace pocketdock::cli {

/// Options given before the command.
struct GlobalOptions {
  std::string socket;    ///< --socket / POCKETDOCK_SOCKET; empty means discovery
  bool verbose = false;  ///< --verbose/-v: accepted and ignored, as in the reference

  /// The engine options every command passes to the library.
  [[nodiscard]] EngineOptions engine() const { return {.socket = socket}; }
  /// The options of the by-name management calls.
  [[nodiscard]] ManageOptions manage() const { return {.engine = engine()}; }
};

/// What the running command decided; main() returns `exit_code`.
struct CliState {
  GlobalOptions global;
  int exit_code = 0;
  /// The container the command works on, for error suggestions ("pocketdock resume NAME").
  std::string target;
};

/// A command line that is wrong in a way the parser cannot see (Click's UsageError): printed
/// with a usage hint, exit code 2.
class UsageError : public std::runtime_error {
 public:
  UsageError(std::string command, const std::string& message)
      : std::runtime_error(message), command_(std::move(command)) {}
  [[nodiscard]] const std::string& command() const noexcept { return command_; }

 private:
  std::string command_;
};

/// Labels from POCKETDOCK_EXTRA_LABELS ("k=v,k2=v2"), added to every container `create` makes
/// (the tests use it for pocketdock.test=true).
[[nodiscard]] std::map<std::string, std::string> extra_labels();

// Command groups. Each registers its subcommands on `app`; their callbacks set `state.exit_code`.
void register_container_commands(CLI::App& app, CliState& state);  // create, run, push, pull, shutdown
void register_manage_commands(CLI::App& app, CliState& state);     // list, info, stop, resume, reboot, snapshot, prune
void register_project_commands(CLI::App& app, CliState& state);    // init, status, logs, doctor
void register_shell_command(CLI::App& app, CliState& state);       // shell
void register_image_commands(CLI::App& app, CliState& state);      // profiles, build, export, import
void register_help_commands(CLI::App& app, CliState& state);       // quickstart

}  // namespace pocketdock::cli
