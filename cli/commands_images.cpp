// Image commands: profiles, build, export, import.
#include "cli.hpp"
#include "output.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/images.hpp>
#include <pocketdock/profiles.hpp>

#include <CLI/CLI.hpp>

#include <fmt/format.h>

#include <memory>

namespace pocketdock::cli {
namespace {

int profiles_command(bool json) {
  auto profiles = list_profiles();
  if (json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& p : profiles) {
      auto dir = find_profile_dir(p.name);
      out.push_back({{"name", p.name},
                     {"image_tag", p.image_tag},
                     {"dockerfile_dir", dir ? dir->string() : p.dockerfile_dir},
                     {"network_default", p.network_default},
                     {"description", p.description},
                     {"size_estimate", p.size_estimate}});
    }
    print_json(out);
    return 0;
  }
  Table t{"Image Profiles", {"Name", "Image Tag", "Network", "Size", "Description"}, {}};
  for (const auto& p : profiles) {
    t.rows.push_back({p.name, p.image_tag, p.network_default ? "enabled" : "disabled", p.size_estimate, p.description});
  }
  print_table(t);
  return 0;
}

int build_command(const CliState& state, const std::vector<std::string>& names, bool all) {
  std::vector<ProfileInfo> targets;
  if (all || names.empty()) {
    targets = list_profiles();
  } else {
    // Every name is checked before anything is built, so a typo costs no build.
    for (const auto& n : names) {
      try {
        targets.push_back(resolve_profile(n));
      } catch (const InvalidArgument& e) {
        print_error_line(e.what());
        return 1;
      }
    }
  }
  for (const auto& p : targets) {
    print_line(fmt::format("Building {} ...", p.image_tag));
    BuildOptions o{.on_progress = [](std::string_view line) { print_dim(fmt::format("  {}", line)); },
                   .engine = state.global.engine()};
    (void)build_image(p.name, o);
    print_success(fmt::format("Built {}", p.image_tag));
  }
  return 0;
}

struct ExportArgs {
  std::vector<std::string> images;
  std::vector<std::string> profiles;
  bool all = false;
  std::string output;
};

int export_command(const CliState& state, const ExportArgs& a) {
  std::vector<std::string> images;
  if (a.all) {
    for (const auto& p : list_profiles()) images.push_back(p.image_tag);
  } else if (!a.profiles.empty()) {
    for (const auto& name : a.profiles) images.push_back(resolve_profile(name).image_tag);
  } else if (!a.images.empty()) {
    images = a.images;
  } else {
    throw UsageError("export", "Specify --image, --profile, or --all");
  }
  for (const auto& img : images) print_line(fmt::format("Exporting {} ...", img));
  export_images(images, a.output, state.global.engine());
  print_success(fmt::format("Exported to {}", a.output));
  return 0;
}

int import_command(const CliState& state, const std::string& file) {
  print_line(fmt::format("Importing from {} ...", file));
  for (const auto& name : import_images(file, state.global.engine())) print_line(fmt::format("Loaded {}", name));
  print_success(fmt::format("Imported from {}", file));
  return 0;
}

}  // namespace

void register_image_commands(CLI::App& app, CliState& state) {
  {
    auto json = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("profiles", "List the image profiles.");
    cmd->add_flag("--json", *json, "Print JSON.");
    cmd->callback([&state, json] { state.exit_code = profiles_command(*json); });
  }
  {
    auto names = std::make_shared<std::vector<std::string>>();
    auto all = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("build", "Build profile images (all of them with no names or --all).");
    cmd->add_option("profiles", *names, "Profiles to build.");
    cmd->add_flag("--all", *all, "Build every profile.");
    cmd->callback([&state, names, all] { state.exit_code = build_command(state, *names, *all); });
  }
  {
    auto a = std::make_shared<ExportArgs>();
    auto* cmd = app.add_subcommand("export", "Save images to one archive file (gzip if FILE ends in .gz).");
    cmd->add_option("--image", a->images, "Image to export (repeatable).");
    cmd->add_option("--profile", a->profiles, "Profile whose image to export (repeatable).");
    cmd->add_flag("--all", a->all, "Export every profile's image.");
    cmd->add_option("-o,--output", a->output, "Archive file to write.")->required();
    cmd->callback([&state, a] { state.exit_code = export_command(state, *a); });
  }
  {
    auto file = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("import", "Load images from an archive file (plain or gzip).");
    cmd->add_option("file", *file, "Archive file.")->required()->check(CLI::ExistingFile);
    cmd->callback([&state, file] { state.exit_code = import_command(state, *file); });
  }
}

}  // namespace pocketdock::cli
