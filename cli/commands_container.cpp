// Commands on containers: create, run, shutdown.
#include "cli.hpp"
#include "container_lookup.hpp"
#include "exec.hpp"
#include "output.hpp"

#include <pocketdock/container.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace pocketdock::cli {
namespace {

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

std::string short_id(const std::string& id) {
  std::string_view v(id);
  if (v.rfind("sha256:", 0) == 0) v.remove_prefix(7);
  return std::string(v.substr(0, 12));
}

void write_output(std::FILE* f, const std::string& data) {
  if (data.empty()) return;
  std::fwrite(data.data(), 1, data.size(), f);
  if (data.back() != '\n') std::fputc('\n', f);
  std::fflush(f);
}

// `[y/N]` prompt on stdin: only "y" (trimmed, any case) confirms.
bool confirm(const std::string& question) {
  std::fputs((question + " [y/N]: ").c_str(), stdout);
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  auto first = answer.find_first_not_of(" \t\r");
  auto last = answer.find_last_not_of(" \t\r");
  answer = first == std::string::npos ? std::string() : answer.substr(first, last - first + 1);
  return answer == "y" || answer == "Y";
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
};

int run_command(const CliState& state, const RunArgs& a) {
  FoundContainer found = find_container(a.container, state.global.engine());
  std::string line;
  for (const auto& w : a.command) line += (line.empty() ? "" : " ") + w;  // joined with spaces, no quoting
  RunOptions o;
  if (a.timeout) o.timeout = std::chrono::seconds(*a.timeout);
  o.max_output = a.max_output;
  o.lang = a.lang;
  ExecResult r = detail::run_to_completion(*found.engine, found.id, Command(line), o, std::chrono::seconds(30));
  write_output(stdout, r.out);
  write_output(stderr, r.err);
  // The shell's view of an exit status: -1 (timeout, unknown) becomes 255.
  return static_cast<int>(static_cast<unsigned>(r.exit_code) & 0xFFU);
}

int shutdown_command(const CliState& state, const std::string& name, bool yes) {
  if (!yes && !confirm(fmt::format("Shutdown and remove container '{}'?", name))) {
    print_line("Aborted.");
    return 0;
  }
  FoundContainer found = find_container(name, state.global.engine());
  found.engine->remove_container(found.id, true);
  // destroy_container semantics: the instance directory of a persistent container goes too.
  if (auto it = found.labels.find("pocketdock.data-path"); it != found.labels.end() && !it->second.empty()) {
    std::error_code ec;
    if (std::filesystem::is_directory(it->second, ec)) std::filesystem::remove_all(it->second, ec);
  }
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
    cmd->callback([&state, a] { state.exit_code = run_command(state, *a); });
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
