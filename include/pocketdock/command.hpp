#pragma once
/// @file command.hpp
/// What to execute: a shell command line (run with `sh -c`) or an argv vector (no shell).

#include <string>
#include <vector>

namespace pocketdock {

/// A command for `run`, `stream` and `spawn`. A string converts implicitly and runs through
/// `sh -c` (or `python3 -c` with `RunOptions::lang == "python"`); `Command::argv` runs the
/// program directly, with no shell interpretation of any argument.
class Command {
 public:
  Command(std::string shell_command);  // NOLINT(google-explicit-constructor): strings are commands
  Command(const char* shell_command);  // NOLINT(google-explicit-constructor)

  /// A program and its arguments, executed without a shell.
  [[nodiscard]] static Command argv(std::vector<std::string> args);

  /// The argv the engine executes, given the run's `lang`.
  [[nodiscard]] std::vector<std::string> resolve(const std::string& lang) const;
  /// The text as the user gave it (argv joined by spaces), for logs.
  [[nodiscard]] std::string display() const;
  [[nodiscard]] bool is_shell() const noexcept { return shell_; }

 private:
  Command(std::vector<std::string> args, bool shell) : args_(std::move(args)), shell_(shell) {}
  std::vector<std::string> args_;
  bool shell_ = true;
};

}  // namespace pocketdock
