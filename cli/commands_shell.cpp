// `shell`: an interactive shell through the engine's own CLI when stdin is a terminal (as the
// reference does), and a scripted one through the library when it is not
// (`echo 'echo hi' | pocketdock shell C`).
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/persistence.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern char** environ;

namespace pocketdock::cli {
namespace {

// Runs a program with our terminal and returns its exit status (127 if it cannot be started).
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (::posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return 127;
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int interactive_shell(Container& c) {
  std::string url = "unix://" + c.socket_path();
  std::vector<std::string> base =
      c.engine().kind == EngineKind::podman
          ? std::vector<std::string>{"podman", "--remote", "--url", url, "exec", "-it", c.id()}
          : std::vector<std::string>{"docker", "-H", url, "exec", "-it", c.id()};
  auto with = [&](const char* shell) {
    auto v = base;
    v.emplace_back(shell);
    return v;
  };
  int code = run_program(with("/bin/bash"));
  if (code == 126) code = run_program(with("/bin/sh"));  // no bash in the image
  if (code == 127) {
    print_error_line(fmt::format("Could not run '{}': is the engine's CLI installed?", base.front()));
  }
  return code;
}

int scripted_shell(Container& c) {
  std::string script((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  RunOptions o;
  o.input = script;
  // A script may run for long: no default 30 s limit, but still a bound.
  o.timeout = std::chrono::hours(24);
  o.max_output = static_cast<std::size_t>(-1);
  ExecStream s = c.stream(Command::argv({"sh", "-c", "command -v bash >/dev/null 2>&1 && exec bash || exec sh"}), o);
  // Each chunk is written out as it comes: no copy of the output is kept, however long it is.
  s.collect_output(false);
  for (const StreamChunk& chunk : s) {
    std::FILE* f = chunk.stream == OutputStream::out ? stdout : stderr;
    std::fwrite(chunk.data.data(), 1, chunk.data.size(), f);
    std::fflush(f);
  }
  return static_cast<int>(static_cast<unsigned>(s.result().exit_code) & 0xFFU);
}

int shell_command(CliState& state, const std::string& name) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  return ::isatty(STDIN_FILENO) == 1 ? interactive_shell(c) : scripted_shell(c);
}

}  // namespace

void register_shell_command(CLI::App& app, CliState& state) {
  auto name = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("shell", "Open a shell in a container (bash, else sh); exits with its exit code.");
  cmd->footer(
      "On a terminal the shell is interactive (run through 'podman --remote --url unix://SOCKET exec -it' or "
      "'docker -H unix://SOCKET exec -it', so that CLI must be installed). Otherwise the shell reads its "
      "commands from stdin, e.g.  echo 'cd /tmp && ls' | pocketdock shell CONTAINER");
  cmd->add_option("container", *name, "Container name.")->required();
  cmd->callback([&state, name] { state.exit_code = shell_command(state, *name); });
}

}  // namespace pocketdock::cli
