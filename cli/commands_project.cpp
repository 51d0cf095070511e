// Project commands: init, status, logs, doctor.
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/json.hpp>
#include <pocketdock/persistence.hpp>
#include <pocketdock/projects.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <optional>

namespace pocketdock::cli {
namespace {

namespace fs = std::filesystem;

fs::path require_project() {
  auto root = find_project_root();
  if (!root) throw ProjectNotInitialized();
  return *root;
}

int init_command(const std::optional<std::string>& path, const std::optional<std::string>& name) {
  fs::path root = init_project(path ? fs::path(*path) : fs::current_path(), name);
  print_success(fmt::format("Project initialized at {}", root.string()));
  return 0;
}

int status_command(const CliState& state, bool json) {
  fs::path root = require_project();
  std::string project = get_project_name(root);
  auto dirs = list_instance_dirs(root);
  ManageOptions mo = state.global.manage();
  mo.project = project;
  auto items = list_containers(mo);
  auto running =
      std::count_if(items.begin(), items.end(), [](const ContainerListItem& i) { return i.status == "running"; });
  auto total = static_cast<long>(items.size());
  if (json) {
    print_json({{"project", project},
                {"root", root.string()},
                {"instances", dirs.size()},
                {"containers", total},
                {"running", running},
                {"stopped", total - running}});
    return 0;
  }
  print_panel("Project Status",
              {{"Project:    " + project},
               {"Root:       " + root.string()},
               {fmt::format("Instances:  {}", dirs.size())},
               {fmt::format("Containers: {} ({} running, {} stopped)", total, running, total - running)}});
  return 0;
}

struct LogsArgs {
  std::optional<std::string> container;
  int last = 10;
  std::optional<std::string> type;
  bool json = false;
};

int logs_command(const LogsArgs& a) {
  fs::path root = require_project();
  if (a.container) {
    std::error_code ec;
    if (!fs::is_directory(instance_dir(root, *a.container), ec)) {
      print_error_line(fmt::format("No instance directory found for '{}'.", *a.container));
      return 1;
    }
  }
  auto entries = read_history(root, a.container);
  if (a.type) {
    std::erase_if(entries, [&](const HistoryEntry& e) { return e.type != *a.type; });
  }
  if (a.last >= 0 && entries.size() > static_cast<std::size_t>(a.last)) {
    entries.erase(entries.begin(), entries.end() - a.last);
  }
  if (a.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& e : entries) {
      out.push_back({{"type", e.type},
                     {"command", e.command},
                     {"exit_code", e.exit_code},
                     {"duration_ms", e.duration_ms},
                     {"timed_out", e.timed_out},
                     {"timestamp", e.timestamp},
                     {"_instance", e.instance}});
    }
    print_json(out);
    return 0;
  }
  if (entries.empty()) {
    print_line("No log entries found.");
    return 0;
  }
  Table t{"Log History", {"Instance", "Type", "Command", "Exit", "Duration", "Timestamp"}, {}};
  for (const auto& e : entries) {
    t.rows.push_back({e.instance, e.type, e.command.substr(0, 60), std::to_string(e.exit_code),
                      fmt::format("{:.0f}ms", e.duration_ms), e.timestamp});
  }
  print_table(t);
  return 0;
}

int doctor_command(const CliState& state, bool json) {
  DoctorReport r = doctor({.engine = state.global.engine()});
  if (json) {
    print_json({{"orphaned_containers", r.orphaned_containers},
                {"stale_instance_dirs", r.stale_instance_dirs},
                {"healthy", r.healthy}});
    return 0;
  }
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  std::vector<PanelLine> lines;
  if (r.healthy > 0) lines.push_back({fmt::format("Healthy: {} container(s)", r.healthy)});
  if (!r.orphaned_containers.empty()) lines.push_back({"Orphaned containers: " + join(r.orphaned_containers)});
  if (!r.stale_instance_dirs.empty()) lines.push_back({"Stale instance dirs: " + join(r.stale_instance_dirs)});
  if (lines.empty()) lines.push_back({"Nothing to report."});
  print_panel("Doctor Report", lines);
  return 0;
}

}  // namespace

void register_project_commands(CLI::App& app, CliState& state) {
  {
    auto path = std::make_shared<std::optional<std::string>>();
    auto name = std::make_shared<std::optional<std::string>>();
    auto* cmd = app.add_subcommand("init", "Create a project (.pocketdock/pocketdock.yaml) in PATH (default: here).");
    cmd->add_option("path", *path, "Project directory.");
    cmd->add_option("--name", *name, "Project name (default: the directory's name).");
    cmd->callback([&state, path, name] { state.exit_code = init_command(*path, *name); });
  }
  {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("status", "Show the current project's instances and containers.");
    cmd->add_flag("--json", *json, "Print JSON.");
    cmd->callback([&state, json] { state.exit_code = status_command(state, *json); });
  }
  {
    auto a = std::make_shared<LogsArgs>();
    auto* cmd = app.add_subcommand("logs", "Show the command history of the project's persistent containers.");
    cmd->add_option("container", a->container, "Only this instance.");
    cmd->add_option("--last", a->last, "Number of entries.")->capture_default_str();
    cmd->add_option("--type", a->type, "Only entries of this type (run).");
    cmd->add_flag("--json", a->json, "Print JSON.");
    cmd->callback([&state, a] { state.exit_code = logs_command(*a); });
  }
  {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("doctor", "Compare the project's instance directories with its containers.");
    cmd->add_flag("--json", *json, "Print JSON.");
    cmd->callback([&state, json] { state.exit_code = doctor_command(state, *json); });
  }
}

}  // namespace pocketdock::cli
