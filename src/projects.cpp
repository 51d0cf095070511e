// Project directories, instance directories, instance.toml and doctor (reference formats).
#include "projects_internal.hpp"
#include "validate.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/persistence.hpp>

#include <fmt/format.h>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace pocketdock {
namespace {

constexpr const char* kConfigDir = ".pocketdock";
constexpr const char* kConfigFile = "pocketdock.yaml";
constexpr const char* kInstanceFile = "instance.toml";

}  // namespace

namespace detail {
namespace {

// A YAML plain scalar the reference's raw template writes as it is, read back as the same string.
bool yaml_plain_safe(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  if (std::string("-?:,[]{}#&*!|>'\"%@`~").find(s.front()) != std::string::npos) return false;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return false;
  }
  return !yaml_plain_non_string(s);
}

}  // namespace

// True for plain scalars YAML 1.1 (PyYAML) resolves to a bool, null, int or float.
bool yaml_plain_non_string(const std::string& s) {
  static const std::set<std::string> words{"true", "false", "yes", "no", "on", "off", "null", "~"};
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (words.contains(lower)) return true;
  std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  bool digit = false;
  bool dot = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c)) != 0 || c == '_') {
      digit = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return lower == ".inf" || lower == "-.inf" || lower == "+.inf" || lower == ".nan";
    }
  }
  return digit;
}

namespace {

std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!raw.empty() && raw.back() == '\0') raw.pop_back();
  std::replace(raw.begin(), raw.end(), '\0', ' ');
  return raw;
}

void write_text_file(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw PocketDockError(fmt::format("cannot write {}", path.string()));
  }
  fs::rename(tmp, path);
}

}  // namespace

std::string project_yaml(const std::string& project_name) {
  std::string name = yaml_plain_safe(project_name) ? project_name : nlohmann::json(project_name).dump();
  return fmt::format(
      "# Project configuration for pocketdock\n"
      "project_name: {}\n"
      "default_profile: minimal-python\n"
      "default_persist: false\n"
      "\n"
      "logging:\n"
      "  auto_log: true\n"
      "  max_log_size: \"10MB\"\n"
      "  max_logs_per_instance: 100\n"
      "  retention_days: 30\n",
      name);
}

fs::path ensure_instance_dir(const fs::path& root, const std::string& name) {
  fs::path dir = instance_dir(root, name);
  fs::create_directories(dir / "logs");
  fs::create_directories(dir / "data");
  return dir;
}

std::string render_instance_toml(const InstanceMetadata& m) {
  // The reference's section and key order; toml++ formats (and escapes) each value.
  std::ostringstream out;
  auto quoted = [](const std::string& value) {
    std::ostringstream q;
    q << toml::toml_formatter(toml::value<std::string>(value), toml::format_flags::allow_unicode_strings);
    return q.str();
  };
  auto str = [&](const char* key, const std::string& value) {
    if (!value.empty()) out << key << " = " << quoted(value) << "\n";
  };
  out << "# Maintained by pocketdock. Do not edit.\n\n[container]\n";
  str("id", m.container_id);
  str("name", m.name);
  str("image", m.image);
  str("project", m.project);
  str("created_at", m.created_at);
  out << "persist = " << (m.persist ? "true" : "false") << "\n\n";
  if (m.mem_limit || m.cpu_percent) {
    out << "[resources]\n";
    if (m.mem_limit) out << "mem_limit = " << quoted(*m.mem_limit) << "\n";
    if (m.cpu_percent) out << "cpu_percent = " << *m.cpu_percent << "\n";
    out << "\n";
  }
  if (!m.ports.empty()) {
    out << "[ports]\n";
    for (const auto& [host, cont] : m.ports) out << host << " = " << cont << "\n";
    out << "\n";
  }
  out << "[provenance]\n";
  out << "created_by = " << quoted(m.created_by) << "\n";
  out << "pid = " << m.pid << "\n";
  return out.str();
}

void write_instance_metadata(const fs::path& dir, const InstanceMetadata& metadata) {
  fs::create_directories(dir);
  write_text_file(dir / kInstanceFile, render_instance_toml(metadata));
}

InstanceMetadata metadata_of(const ContainerState& state, const std::string& container_id) {
  InstanceMetadata m;
  m.container_id = container_id;
  m.name = state.name;
  m.image = state.image;
  m.project = state.project;
  m.created_at = iso_now();
  m.persist = state.persist;
  m.mem_limit = state.create_options.mem_limit;
  m.cpu_percent = state.create_options.cpu_percent;
  for (const auto& p : state.create_options.ports) {
    if (p.host > 0) m.ports[p.host] = p.container;
  }
  m.created_by = command_line();
  m.pid = static_cast<long>(::getpid());
  return m;
}

void prepare_instance(ContainerState& state, const CreateOptions& options) {
  if (!options.persist) return;
  auto root = find_project_root();
  if (!root) return;
  if (state.project.empty()) state.project = get_project_name(*root);
  fs::path dir = ensure_instance_dir(*root, state.name);
  state.data_path = dir.string();
  write_instance_metadata(dir, metadata_of(state, "(pending)"));
}

void discard_instance(const ContainerState& state) noexcept {
  if (state.data_path.empty()) return;
  try {
    auto m = read_instance_metadata(state.data_path);
    if (m && m->container_id == "(pending)") fs::remove_all(state.data_path);
  } catch (...) {
    // Leaving a stale directory is harmless: doctor reports it.
  }
}

void record_instance(const ContainerState& state) noexcept {
  if (state.data_path.empty()) return;
  try {
    write_instance_metadata(state.data_path, metadata_of(state, state.current_id()));
  } catch (...) {
    // Metadata is informational; the container itself is fine.
  }
}

std::string trusted_data_path(const std::string& label, const std::string& container_id,
                              const std::string& container_name) noexcept {
  try {
    if (label.empty() || label.front() != '/' || label.find('\0') != std::string::npos || container_id.empty() ||
        container_name.empty()) {
      return {};
    }
    fs::path dir = fs::path(label).lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();
    fs::path instances = dir.parent_path();
    fs::path config = instances.parent_path();
    if (dir.filename() != container_name || instances.filename() != "instances" || config.filename() != kConfigDir) {
      return {};
    }
    std::error_code ec;
    auto is = [&](const fs::path& p, fs::file_type type) { return fs::symlink_status(p, ec).type() == type && !ec; };
    if (!is(config, fs::file_type::directory) || !is(instances, fs::file_type::directory) ||
        !is(dir, fs::file_type::directory) || !is(config / kConfigFile, fs::file_type::regular) ||
        !is(dir / kInstanceFile, fs::file_type::regular)) {
      return {};
    }
    auto m = read_instance_metadata(dir);
    if (!m || m->name != container_name || m->container_id.size() < 12 ||
        container_id.compare(0, m->container_id.size(), m->container_id) != 0) {
      return {};
    }
    return dir.string();
  } catch (...) {
    return {};
  }
}

}  // namespace detail

std::optional<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(start, ec), ec);
  if (ec) dir = start;
  while (true) {
    if (fs::is_regular_file(dir / kConfigDir / kConfigFile, ec)) return dir;
    if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
    dir = dir.parent_path();
  }
}

fs::path init_project(const fs::path& path, const std::optional<std::string>& project_name) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::absolute(path), ec);
  if (ec) root = fs::absolute(path);
  try {
    fs::create_directories(root / kConfigDir);
    fs::path config = root / kConfigDir / kConfigFile;
    if (!fs::exists(config)) {
      std::string name = project_name && !project_name->empty() ? *project_name : root.filename().string();
      detail::write_text_file(config, detail::project_yaml(name));
    }
    fs::create_directories(root / kConfigDir / "instances");
  } catch (const fs::filesystem_error& e) {
    throw PocketDockError(fmt::format("cannot initialise a project in {}: {}", root.string(), e.what()));
  }
  return root;
}

std::string get_project_name(const fs::path& root) {
  try {
    YAML::Node doc = YAML::LoadFile((root / kConfigDir / kConfigFile).string());
    YAML::Node name = doc.IsMap() ? doc["project_name"] : YAML::Node();
    if (name && name.IsScalar()) {
      auto text = name.as<std::string>();
      // A plain scalar that YAML resolves to a number, bool or null is not a name (the
      // reference accepts only a string); a quoted one (tag "!") always is.
      bool plain = name.Tag() == "?";
      if (!text.empty() && !(plain && detail::yaml_plain_non_string(text))) return text;
    }
  } catch (const YAML::Exception&) {
    // Missing or invalid YAML: fall back to the directory name.
  }
  return root.filename().string();
}

fs::path instance_dir(const fs::path& root, const std::string& name) {
  detail::validate_dir_name(name, "instance name");
  return root / kConfigDir / "instances" / name;
}

std::vector<std::string> list_instance_dirs(const fs::path& root) {
  std::vector<std::string> out;
  std::error_code ec;
  fs::path dir = root / kConfigDir / "instances";
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory(ec) && name.front() != '.') out.push_back(std::move(name));
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool remove_instance_dir(const fs::path& root, const std::string& name) {
  fs::path dir = instance_dir(root, name);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  fs::remove_all(dir, ec);
  return !ec;
}

std::optional<InstanceMetadata> read_instance_metadata(const fs::path& dir) {
  toml::table doc;
  try {
    doc = toml::parse_file((dir / kInstanceFile).string());
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  InstanceMetadata m;
  m.container_id = doc["container"]["id"].value_or(std::string());
  m.name = doc["container"]["name"].value_or(std::string());
  m.image = doc["container"]["image"].value_or(std::string());
  m.project = doc["container"]["project"].value_or(std::string());
  m.created_at = doc["container"]["created_at"].value_or(std::string());
  m.persist = doc["container"]["persist"].value_or(false);
  if (auto v = doc["resources"]["mem_limit"].value<std::string>()) m.mem_limit = *v;
  if (auto v = doc["resources"]["cpu_percent"].value<std::int64_t>()) m.cpu_percent = static_cast<int>(*v);
  if (auto* ports = doc["ports"].as_table()) {
    for (const auto& [key, value] : *ports) {
      auto cport = value.value<std::int64_t>();
      try {
        if (cport) m.ports[std::stoi(std::string(key.str()))] = static_cast<int>(*cport);
      } catch (const std::exception&) {
        // Not a port number: skip, as the reference's readers would not use it either.
      }
    }
  }
  m.created_by = doc["provenance"]["created_by"].value_or(std::string());
  m.pid = static_cast<long>(doc["provenance"]["pid"].value_or(std::int64_t{0}));
  return m;
}

std::vector<HistoryEntry> read_history(const fs::path& root, const std::optional<std::string>& instance) {
  std::vector<std::string> names;
  if (instance) {
    std::error_code ec;
    if (!fs::is_directory(instance_dir(root, *instance), ec)) {
      throw PocketDockError(fmt::format("No instance directory found for '{}'.", *instance));
    }
    names.push_back(*instance);
  } else {
    names = list_instance_dirs(root);
  }
  std::vector<HistoryEntry> out;
  for (const auto& name : names) {
    std::ifstream in(instance_dir(root, name) / "logs" / "history.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object()) continue;
      HistoryEntry e;
      e.instance = name;
      auto str = [&](const char* k) {
        return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string();
      };
      e.type = str("type");
      e.command = str("command");
      e.timestamp = str("timestamp");
      if (j.contains("exit_code") && j["exit_code"].is_number()) e.exit_code = j["exit_code"].get<int>();
      if (j.contains("duration_ms") && j["duration_ms"].is_number()) e.duration_ms = j["duration_ms"].get<double>();
      if (j.contains("timed_out") && j["timed_out"].is_boolean()) e.timed_out = j["timed_out"].get<bool>();
      out.push_back(std::move(e));
    }
  }
  return out;
}

DoctorReport doctor(const DoctorOptions& options) {
  std::optional<fs::path> root = options.project_root ? options.project_root : find_project_root();
  std::error_code ec;
  if (!root || !fs::is_regular_file(*root / kConfigDir / kConfigFile, ec)) throw ProjectNotInitialized();
  std::string project = get_project_name(*root);
  auto dirs = list_instance_dirs(*root);
  std::set<std::string> local(dirs.begin(), dirs.end());
  std::set<std::string> engine;
  for (const auto& item : list_containers({.engine = options.engine, .project = project})) engine.insert(item.name);
  DoctorReport r;
  std::set_difference(engine.begin(), engine.end(), local.begin(), local.end(),
                      std::back_inserter(r.orphaned_containers));
  std::set_difference(local.begin(), local.end(), engine.begin(), engine.end(),
                      std::back_inserter(r.stale_instance_dirs));
  std::vector<std::string> both;
  std::set_intersection(local.begin(), local.end(), engine.begin(), engine.end(), std::back_inserter(both));
  r.healthy = static_cast<int>(both.size());
  return r;
}

}  // namespace pocketdock
