// Commands that manage containers by name: list, info, stop, resume, reboot, snapshot, prune.
// Only `resume` (and `reboot`, which restarts by definition) starts a stopped container.
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/json.hpp>
#include <pocketdock/persistence.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <memory>
#include <optional>

namespace pocketdock::cli {
namespace {

int list_command(const CliState& state, bool json, const std::optional<std::string>& project) {
  ManageOptions mo = state.global.manage();
  mo.project = project;
  auto items = list_containers(mo);
  if (json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& i : items) {
      out.push_back({{"id", i.id},
                     {"name", i.name},
                     {"status", i.status},
                     {"image", i.image},
                     {"created_at", i.created_at},
                     {"persist", i.persist},
                     {"project", i.project}});
    }
    print_json(out);
    return 0;
  }
  if (items.empty()) {
    print_line("No containers found.");
    return 0;
  }
  Table t{"Containers", {"Name", "ID", "Status", "Image", "Persist", "Project"}, {}};
  for (const auto& i : items) t.rows.push_back({i.name, i.id, i.status, i.image, i.persist ? "yes" : "no", i.project});
  print_table(t);
  return 0;
}

std::string joined_or(const std::vector<std::string>& items, const char* empty) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + i;
  return out.empty() ? std::string(empty) : out;
}

// The applied posture, one setting a line.
std::vector<std::string> security_lines(const SecurityPosture& p) {
  std::vector<std::string> lines;
  lines.push_back("Security: " + (p.profile.empty() ? std::string("(not recorded)") : p.profile));
  lines.push_back(fmt::format("  no-new-privileges: {}", p.no_new_privileges ? "yes" : "no"));
  lines.push_back("  cap-add:  " + joined_or(p.cap_add, "-"));
  lines.push_back("  cap-drop: " + joined_or(p.cap_drop, "-"));
  lines.push_back("  pids-limit: " + (p.pids_limit ? std::to_string(*p.pids_limit) : std::string("none")));
  lines.push_back(fmt::format("  read-only root: {}", p.read_only_root ? "yes" : "no"));
  for (const auto& [mount, opts] : p.tmpfs) lines.push_back(fmt::format("  tmpfs {} ({})", mount, opts));
  lines.push_back("  network: " + (p.network_mode.empty() ? std::string("-") : p.network_mode));
  lines.push_back("  user: " + (p.user.empty() ? std::string("(image default)") : p.user));
  lines.push_back("  runtime: " + (p.runtime.empty() ? std::string("-") : p.runtime));
  return lines;
}

int info_command(CliState& state, const std::string& name, bool json) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  ContainerInfo info = c.info();
  if (json) {
    print_line(nlohmann::json(info).dump(2));
    return 0;
  }
  std::vector<PanelLine> lines = {{"ID:     " + short_id(info.id)},
                                  {"Name:   " + info.name},
                                  {"Status: " + info.status},
                                  {"Image:  " + info.image}};
  if (!info.memory_usage.empty())
    lines.push_back({fmt::format("Memory: {} / {}", info.memory_usage, info.memory_limit)});
  if (info.cpu_percent > 0) lines.push_back({fmt::format("CPU:    {:.1f}%", info.cpu_percent)});
  if (info.pids != 0) lines.push_back({fmt::format("PIDs:   {}", info.pids)});
  if (!info.ip_address.empty()) lines.push_back({"IP:     " + info.ip_address});
  if (!info.ports.empty()) {
    std::string ports;
    for (const auto& [host, cont] : info.ports)
      ports += fmt::format("{}{}->{}/tcp", ports.empty() ? "" : ", ", host, cont);
    lines.push_back({"Ports:  " + ports});
  }
  for (auto& line : security_lines(info.security)) lines.push_back({std::move(line)});
  print_panel(name, lines);
  return 0;
}

int stop_command(CliState& state, const std::string& name) {
  state.target = name;
  stop_container(name, state.global.manage());
  print_success(fmt::format("Container {} stopped", name));
  return 0;
}

int resume_command(CliState& state, const std::string& name) {
  state.target = name;
  Container c = resume_container(name, state.global.manage());
  print_success(fmt::format("Container {} resumed ({})", name, short_id(c.id())));
  // A resumed handle shuts an ephemeral container down when destroyed: keep it, as `create` does.
  static Container* const kept = new Container(std::move(c));
  (void)kept;
  return 0;
}

int reboot_command(CliState& state, const std::string& name, bool fresh) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  c.reboot(fresh);
  print_success(fmt::format("Container {} rebooted ({})", name, fresh ? "fresh" : "in-place"));
  return 0;
}

int snapshot_command(CliState& state, const std::string& name, const std::string& image) {
  state.target = name;
  Container c = attach_container(name, state.global.manage());
  std::string id = c.snapshot(image);
  print_success(fmt::format("Snapshot saved as {} ({})", image, short_id(id)));
  return 0;
}

int prune_command(const CliState& state, bool yes, const std::optional<std::string>& project) {
  if (!yes && !confirm("Remove all stopped pocketdock containers?")) {
    print_line("Aborted.");
    return 0;
  }
  ManageOptions mo = state.global.manage();
  mo.project = project;
  int n = prune(mo);
  print_success(fmt::format("Removed {} container(s)", n));
  return 0;
}

}  // namespace

void register_manage_commands(CLI::App& app, CliState& state) {
  {
    auto json = std::make_shared<bool>(false);
    auto project = std::make_shared<std::optional<std::string>>();
    auto* cmd = app.add_subcommand("list", "List pocketdock containers, running or not.");
    cmd->add_flag("--json", *json, "Print JSON.");
    cmd->add_option("--project", *project, "Only this project's containers.");
    cmd->callback([&state, json, project] { state.exit_code = list_command(state, *json, *project); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("info", "Show a container's state and resource usage (does not start it).");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->add_flag("--json", *json, "Print JSON.");
    cmd->callback([&state, name, json] { state.exit_code = info_command(state, *name, *json); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("stop", "Stop a container without removing it.");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->callback([&state, name] { state.exit_code = stop_command(state, *name); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("resume", "Start a stopped container again.");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->callback([&state, name] { state.exit_code = resume_command(state, *name); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto fresh = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("reboot", "Restart a container (in place, or --fresh from its image).");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->add_flag("--fresh", *fresh, "Recreate the container from its image (a clean filesystem).");
    cmd->callback([&state, name, fresh] { state.exit_code = reboot_command(state, *name, *fresh); });
  }
  {
    auto name = std::make_shared<std::string>();
    auto image = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("snapshot", "Save a container's filesystem as an image.");
    cmd->add_option("container", *name, "Container name.")->required();
    cmd->add_option("image_name", *image, "Image name, e.g. my-image or my-image:v1.")->required();
    cmd->callback([&state, name, image] { state.exit_code = snapshot_command(state, *name, *image); });
  }
  {
    auto yes = std::make_shared<bool>(false);
    auto project = std::make_shared<std::optional<std::string>>();
    auto* cmd = app.add_subcommand("prune", "Remove every stopped pocketdock container.");
    cmd->add_flag("-y,--yes", *yes, "Do not ask for confirmation.");
    cmd->add_option("--project", *project, "Only this project's containers.");
    cmd->callback([&state, yes, project] { state.exit_code = prune_command(state, *yes, *project); });
  }
}

}  // namespace pocketdock::cli
