#include <pocketdock/command.hpp>
#include <pocketdock/engine.hpp>
#include <pocketdock/errors.hpp>
#include <pocketdock/types.hpp>

#include <utility>

namespace pocketdock {

const char* to_string(OutputStream stream) noexcept { return stream == OutputStream::out ? "stdout" : "stderr"; }

const char* to_string(EngineKind kind) noexcept { return kind == EngineKind::podman ? "podman" : "docker"; }

Command::Command(std::string shell_command) : args_{std::move(shell_command)}, shell_(true) {}

Command::Command(const char* shell_command) : Command(std::string(shell_command == nullptr ? "" : shell_command)) {}

Command Command::argv(std::vector<std::string> args) {
  if (args.empty()) throw InvalidArgument("Command::argv needs at least the program name");
  return Command(std::move(args), false);
}

std::vector<std::string> Command::resolve(const std::string& lang) const {
  if (!shell_) return args_;
  if (lang == "python") return {"python3", "-c", args_.front()};
  return {"sh", "-c", args_.front()};
}

std::string Command::display() const {
  std::string out;
  for (const auto& a : args_) {
    if (!out.empty()) out += ' ';
    out += a;
  }
  return out;
}

}  // namespace pocketdock
