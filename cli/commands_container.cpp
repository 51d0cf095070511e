// Commands on containers: create, run (blocking, --stream, --detach), push, pull, shutdown.
// Commands on a named container use attach_container, so they never start it.
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/persistence.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>

namespace pocketdock::cli {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

struct CreateArgs {
  std::optional<std::string> image;
  std::string name;
  int timeout = 30;
  std::optional<std::string> mem_limit;
  std::optional<int> cpu_percent;
  bool persist = false;
  std::vector<std::string> volumes;
  std::optional<std::string> project;
  std::optional<std::string> profile;
  std::vector<std::string> devices;
  std::vector<std::string> ports;
  std::string security = "standard";
  std::string runtime;
};

int create_command(const CliState& state, const CreateArgs& a) {
  CreateOptions o;
  if (a.image) o.image = *a.image;
  o.name = a.name;
  o.timeout = std::chrono::seconds(a.timeout);
  o.mem_limit = a.mem_limit;
  o.cpu_percent = a.cpu_percent;
  o.persist = a.persist;
  for (const auto& v : a.volumes) {
    // HOST:CONTAINER, split on the first ':'; entries without one are dropped (reference).
    auto colon = v.find(':');
    if (colon == std::string::npos) continue;
    std::string host = v.substr(0, colon);
    if (!host.empty() && host.front() != '/') host = std::filesystem::absolute(host).string();
    o.volumes[host] = v.substr(colon + 1);
  }
  o.project = a.project;
  o.profile = a.profile;
  o.devices = a.devices;
  for (const auto& p : a.ports) {
    // HOST:CONTAINER, both digits; anything else is dropped (reference).
    auto colon = p.find(':');
    if (colon == std::string::npos) continue;
    std::string host = p.substr(0, colon);
    std::string cont = p.substr(colon + 1);
    if (!all_digits(host) || !all_digits(cont) || host.size() > 5 || cont.size() > 5) continue;
    o.ports.push_back({.host = std::stoi(host), .container = std::stoi(cont)});
  }
  o.labels = extra_labels();
  o.security.profile = parse_security_profile(a.security).value_or(SecurityProfile::standard);
  o.runtime = a.runtime;
  o.engine = state.global.engine();
  Container c = create_new_container(o);
  print_success(fmt::format("Container {} created ({})", c.name(), short_id(c.id())));
  // The reference leaves the container running even when it is not persistent: a handle that is
  // never destroyed never removes it. Reachable from a static, so leak checkers stay quiet.
  static Container* const kept = new Container(std::move(c));
  (void)kept;
  return 0;
}

struct RunArgs {
  std::string container;
  std::vector<std::string> command;
  std::optional<int> timeout;
  std::size_t max_output = kDefaultMaxOutput;
  std::string lang;
  bool stream = false;
  bool detach = false;
};

// Starts the user's command in the background with its output in a file, so it outlives the
// CLI. The command is a positional parameter of a fixed script: it is never spliced into
// another quoted string. $1 command, $2 id, $3 lang.
constexpr const char* kDetachScript =
    "d=/tmp/.pocketdock; mkdir -p -m 1777 \"$d\" || exit 1\n"
    "log=\"$d/detach-$2.log\"; code=\"$d/detach-$2.exit\"\n"
    "( if [ \"$3\" = python ]; then python3 -c \"$1\"; else sh -c \"$1\"; fi; echo $? >\"$code\" ) "
    ">\"$log\" 2>&1 </dev/null &\n"
    "echo $!\n";

std::string random_id() {
  std::random_device rd;
  return fmt::format("{:08x}{:04x}", rd(), rd() & 0xFFFFU);
}

int detach_command(Container& c, const std::string& line, const RunArgs& a) {
  std::string id = random_id();
  ExecResult r = c.run(Command::argv({"sh", "-c", kDetachScript, "pocketdock-detach", line, id, a.lang}),
                       {.timeout = std::chrono::seconds(30)});
  if (r.exit_code != 0) {
    throw PocketDockError(fmt::format("could not start the detached command: {}", r.err.empty() ? r.out : r.err));
  }
  std::string pid = r.out.substr(0, r.out.find('\n'));
  std::string log = fmt::format("/tmp/.pocketdock/detach-{}.log", id);
  print_success(fmt::format("Process started (detach ID: {}, PID {})", id, pid));
  print_line(fmt::format("Output:    {}:{} (stdout and stderr)", a.container, log));
  print_line(fmt::format("Read it:   pocketdock run {} cat {}", a.container, log));
  print_line(fmt::format("Exit code: pocketdock run {} cat /tmp/.pocketdock/detach-{}.exit (once it has ended)",
                         a.container, id));
  return 0;
}

int run_command(CliState& state, const RunArgs& a) {
  state.target = a.container;
  ManageOptions mo = state.global.manage();
  Container c = attach_container(a.container, mo);
  std::string line;
  for (const auto& w : a.command) line += (line.empty() ? "" : " ") + w;  // joined with spaces, no quoting
  if (a.detach && !a.stream) return detach_command(c, line, a);
  RunOptions o;
  if (a.timeout) o.timeout = std::chrono::seconds(*a.timeout);
  o.max_output = a.max_output;
  o.lang = a.lang;
  ExecResult r;
  if (a.stream) {
    ExecStream s = c.stream(Command(line), o);
    for (const StreamChunk& chunk : s) {
      std::FILE* f = chunk.stream == OutputStream::out ? stdout : stderr;
      std::fwrite(chunk.data.data(), 1, chunk.data.size(), f);
      std::fflush(f);
    }
    r = s.result();
  } else {
    r = c.run(Command(line), o);
    write_output(stdout, r.out);
    write_output(stderr, r.err);
  }
  // The shell's view of an exit status: -1 (timeout, unknown) becomes 255.
  return static_cast<int>(static_cast<unsigned>(r.exit_code) & 0xFFU);
}

int push_command(CliState& state, const std::string& name, const std::string& src, const std::string& dst) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  c.push(src, dst);
  print_success(fmt::format("Copied {} -> {}:{}", src, name, dst));
  return 0;
}

int pull_command(CliState& state, const std::string& name, const std::string& src, const std::string& dst) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  c.pull(src, dst);
  print_success(fmt::format("Copied {}:{} -> {}", name, src, dst));
  return 0;
}

int shutdown_command(CliState& state, const std::string& name, bool yes) {
  if (!yes && !confirm(fmt::format("Shutdown and remove container '{}'?", name))) {
    print_line("Aborted.");
    return 0;
  }
  state.target = name;
  destroy_container(name, state.global.manage());
  print_success(fmt::format("Container {} shut down and removed", name));
  return 0;
}

}  // namespace

void register_container_commands(CLI::App& app, CliState& state) {
  {
    auto a = std::make_shared<CreateArgs>();
    auto* cmd = app.add_subcommand("create", "Create a new container (left running).");
    cmd->add_option("--image", a->image, "Image to use (default: the profile's, else pocketdock/minimal-python).");
    cmd->add_option("--name", a->name, "Container name (default: pd-<random>).");
    cmd->add_option("--timeout", a->timeout, "Default command timeout in seconds.")->capture_default_str();
    cmd->add_option("--mem-limit", a->mem_limit, "Memory limit, e.g. 256m or 1g.");
    cmd->add_option("--cpu-percent", a->cpu_percent, "CPU limit in percent of one CPU.");
    cmd->add_flag("--persist", a->persist, "Keep the container when it is shut down (stopped, not removed).");
    cmd->add_option("-v,--volume", a->volumes, "Bind mount HOST:CONTAINER (repeatable).");
    cmd->add_option("--project", a->project, "Project name.");
    cmd->add_option("--profile", a->profile, "Image profile (see 'pocketdock profiles').");
    cmd->add_option("-d,--device", a->devices, "Host device to pass through (repeatable).");
    cmd->add_option("-p,--port", a->ports, "Publish a port HOST:CONTAINER on 127.0.0.1 (repeatable).");
    cmd->add_option("--security", a->security,
                    "Security profile: standard (no network unless a port is published), strict, or none "
                    "(the engine's defaults).")
        ->check(CLI::IsMember({"standard", "strict", "none"}))
        ->capture_default_str();
    cmd->add_option("--runtime", a->runtime, "OCI runtime the engine offers, e.g. runsc (gVisor).");
    cmd->callback([&state, a] { state.exit_code = create_command(state, *a); });
  }
  {
    auto a = std::make_shared<RunArgs>();
    auto* cmd = app.add_subcommand("run", "Run a command in a container; exits with the command's exit code.");
    cmd->add_option("container", a->container, "Container name.")->required();
    cmd->add_option("command", a->command,
                    "The command (its words are joined with spaces and run by sh -c). "
                    "Put it after -- when it has options of its own.")
        ->required();
    cmd->add_option("--timeout", a->timeout, "Kill the command after this many seconds (default: 30).");
    cmd->add_option("--max-output", a->max_output, "Cap on stdout+stderr bytes kept.")->capture_default_str();
    cmd->add_option("--lang", a->lang, "Language: 'python' runs the command with python3 -c.");
    cmd->add_flag("--stream", a->stream, "Print the output as it arrives (exit code passed through too).");
    cmd->add_flag("--detach", a->detach, "Start the command in the background and return (see below).");
    cmd->footer(
        "--detach: the command keeps running after the CLI exits. Its stdout and stderr go to "
        "/tmp/.pocketdock/detach-ID.log in the container, and its exit code to /tmp/.pocketdock/detach-ID.exit "
        "when it ends; the CLI prints the ID. Read them back with\n"
        "  pocketdock run CONTAINER cat /tmp/.pocketdock/detach-ID.log");
    cmd->callback([&state, a] { state.exit_code = run_command(state, *a); });
  }
  for (bool to_host : {false, true}) {
    auto a = std::make_shared<std::array<std::string, 3>>();
    auto* cmd = to_host ? app.add_subcommand("pull", "Copy a file or directory from a container to the host.")
                        : app.add_subcommand("push", "Copy a host file or directory into a container.");
    cmd->add_option("container", (*a)[0], "Container name.")->required();
    cmd->add_option("src", (*a)[1], to_host ? "Path in the container." : "Host path.")->required();
    cmd->add_option("dst", (*a)[2], to_host ? "Host path." : "Path in the container.")->required();
    cmd->callback([&state, a, to_host] {
      const auto& [name, src, dst] = *a;
      state.exit_code = to_host ? pull_command(state, name, src, dst) : push_command(state, name, src, dst);
    });
  }
  {
    auto name = std::make_shared<std::string>();
    auto yes = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("shutdown", "Shut down and remove a container (even a persistent one).");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->add_flag("-y,--yes", *yes, "Do not ask for confirmation.");
    cmd->callback([&state, name, yes] { state.exit_code = shutdown_command(state, *name, *yes); });
  }
}

}  // namespace pocketdock::cli
