#include "container_state.hpp"
#include "exec.hpp"
#include "projects_internal.hpp"
#include "security_body.hpp"
#include "validate.hpp"

#include <pocketdock/container.hpp>
#include <pocketdock/profiles.hpp>
#include <pocketdock/units.hpp>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <thread>

namespace pocketdock {
namespace detail {

std::string generate_name() { return "pd-" + random_hex(8); }

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:06d}+00:00", std::chrono::floor<std::chrono::seconds>(now), us);
}

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out.empty() ? std::string("none") : out;
}

}  // namespace

void require_runtime(EngineClient& engine, const std::string& runtime) {
  EngineRuntimes offered = engine.runtimes();
  if (std::find(offered.names.begin(), offered.names.end(), runtime) == offered.names.end()) {
    throw InvalidArgument(fmt::format("unknown runtime {:?}: the engine offers {} (default {:?})", runtime,
                                      joined(offered.names), offered.default_runtime));
  }
  if (!offered.per_container && runtime != offered.default_runtime) {
    throw InvalidArgument(fmt::format(
        "runtime {:?}: this Podman runs every container under its service's default runtime ({:?}); use the socket "
        "of a Podman service whose containers.conf sets [engine] runtime = \"{}\"",
        runtime, offered.default_runtime, runtime));
  }
}

void validate_create_options(const CreateOptions& o) {
  if (!o.name.empty()) validate_container_name(o.name);
  validate_image_reference(o.image);
  if (o.timeout <= std::chrono::milliseconds::zero()) throw InvalidArgument("timeout must be positive");
  if (o.mem_limit) validate_mem_limit(*o.mem_limit);
  if (o.cpu_percent) validate_cpu_percent(*o.cpu_percent);
  for (const auto& [host, cont] : o.volumes) {
    validate_absolute_path(host, "volume host path", true);
    validate_absolute_path(cont, "volume container path", true);
  }
  for (const auto& d : o.devices) validate_absolute_path(d, "device path");
  for (const auto& p : o.ports) {
    validate_port(p.host, true, "host");
    validate_port(p.container, false, "container");
  }
  for (const auto& [k, v] : o.env) validate_env(k, v);
  for (const auto& [k, v] : o.labels) {
    validate_label_key(k);
    if (k.rfind("pocketdock.", 0) == 0 && k.rfind("pocketdock.test", 0) != 0) {
      throw InvalidArgument(fmt::format("label {:?} is reserved for pocketdock", k));
    }
  }
  if (!o.user.empty()) validate_user(o.user);
  if (!o.workdir.empty()) validate_absolute_path(o.workdir, "working directory");
  if (o.project) validate_dir_name(*o.project, "project name");
  validate_security_options(o);
}

nlohmann::json container_create_body(const CreateOptions& o, const std::string& name, const std::string& image,
                                     const std::string& project, const std::string& data_path,
                                     const std::string& created_at) {
  nlohmann::json labels = nlohmann::json::object();
  for (const auto& [k, v] : o.labels) labels[k] = v;
  labels["pocketdock.managed"] = "true";
  labels["pocketdock.instance"] = name;
  labels["pocketdock.persist"] = o.persist ? "true" : "false";
  labels["pocketdock.created-at"] = created_at;
  // Every pocketdock label is set, empty when unused, so an image's value never shows through.
  labels["pocketdock.project"] = project;
  labels["pocketdock.data-path"] = data_path;
  labels[kSecurityLabel] = to_string(o.security.profile);

  nlohmann::json host{{"Init", true}};
  if (o.cpu_percent) host["NanoCpus"] = static_cast<std::int64_t>(*o.cpu_percent) * 10'000'000;
  if (!o.devices.empty()) {
    auto devices = nlohmann::json::array();
    for (const auto& d : o.devices)
      devices.push_back({{"PathOnHost", d}, {"PathInContainer", d}, {"CgroupPermissions", "rwm"}});
    host["Devices"] = devices;
  }
  if (!o.volumes.empty()) {
    auto binds = nlohmann::json::array();
    for (const auto& [h, c] : o.volumes) binds.push_back(h + ":" + c);
    host["Binds"] = binds;
  }
  nlohmann::json body{{"Image", image}, {"Cmd", {"sleep", "infinity"}}, {"Labels", labels}};
  if (!o.ports.empty()) {
    nlohmann::json bindings = nlohmann::json::object();
    nlohmann::json exposed = nlohmann::json::object();
    for (const auto& p : o.ports) {
      std::string key = fmt::format("{}/tcp", p.container);
      exposed[key] = nlohmann::json::object();
      bindings[key].push_back(
          {{"HostIp", p.host_ip}, {"HostPort", p.host == 0 ? std::string() : std::to_string(p.host)}});
    }
    host["PortBindings"] = bindings;
    body["ExposedPorts"] = exposed;
  }
  body["HostConfig"] = host;
  if (!o.env.empty()) {
    auto env = nlohmann::json::array();
    for (const auto& [k, v] : o.env) env.push_back(k + "=" + v);
    body["Env"] = env;
  }
  apply_security(o, body);
  return body;
}

namespace {

void remove_if_made_by(EngineClient& engine, const nlohmann::json& body, const std::string& name) noexcept {
  try {
    nlohmann::json inspect = engine.inspect_container(name);
    const nlohmann::json* labels = &inspect;
    for (const char* key : {"Config", "Labels"}) {
      if (!labels->is_object() || !labels->contains(key)) return;
      labels = &(*labels)[key];
    }
    for (const char* key : {"pocketdock.managed", "pocketdock.instance", "pocketdock.created-at"}) {
      if (!labels->is_object() || labels->value(key, nlohmann::json()) != body["Labels"][key]) return;
    }
    engine.remove_container(inspect.value("Id", name), true);
  } catch (...) {
    // No such container, or the engine is still unreachable: nothing more can be done.
  }
}

}  // namespace

std::string create_container_or_clean_up(EngineClient& engine, const nlohmann::json& body, const std::string& name) {
  try {
    return engine.create_container(body, name);
  } catch (const TimeoutError&) {
    remove_if_made_by(engine, body, name);
    throw;
  } catch (const SocketError&) {
    remove_if_made_by(engine, body, name);
    throw;
  }
}

}  // namespace detail

Container::Container(std::shared_ptr<detail::ContainerState> state) : state_(std::move(state)) {}
Container::Container(Container&&) noexcept = default;

Container& Container::operator=(Container&& other) noexcept {
  if (this != &other) {
    try {
      if (state_ && !state_->attached) shutdown();
    } catch (...) {
      // A destructor-like path: errors of the old container are not the new one's.
    }
    state_ = std::move(other.state_);
  }
  return *this;
}

Container::~Container() {
  if (!state_ || state_->attached) return;
  try {
    shutdown();
  } catch (...) {
    // Destructors never throw; call shutdown() to see errors.
  }
}

detail::ContainerState& Container::state() const {
  if (!state_) throw InvalidArgument("use of a moved-from Container");
  return *state_;
}

const std::string& Container::name() const { return state().name; }
std::string Container::id() const { return state().current_id(); }
const std::string& Container::socket_path() const { return state().engine->info().socket_path; }
const EngineInfo& Container::engine() const { return state().engine->info(); }
bool Container::persist() const { return state().persist; }
const std::string& Container::project() const { return state().project; }
const std::string& Container::data_path() const { return state().data_path; }
std::chrono::milliseconds Container::default_timeout() const { return state().timeout; }

ExecResult Container::run(const Command& command, const RunOptions& options) {
  auto& s = state();
  detail::validate_run_options(options);
  std::string started_at = s.data_path.empty() ? std::string() : detail::iso_now();
  bool supervised = detail::supervised_execs(s);
  detail::note_oom_kills(s);
  ExecResult result = detail::run_to_completion(*s.engine, s.current_id(), command, options, s.timeout, supervised);
  constexpr int kKilledBySigkill = 128 + SIGKILL;
  if (result.exit_code == kKilledBySigkill) result.oom_killed = detail::claim_oom_kill(s);
  detail::log_run(s.data_path, command.display(), result, started_at);
  return result;
}

void Container::shutdown(bool force) {
  auto& s = state();
  if (s.closed.exchange(true)) return;
  s.run_hooks();
  std::string id = s.current_id();
  try {
    if (s.persist) {
      s.engine->stop_container(id, force ? 0 : 10);
    } else {
      // An ephemeral container keeps nothing worth a graceful stop: remove it at once.
      s.engine->remove_container(id, true);
    }
  } catch (const ContainerNotFound&) {
    // Already gone: the goal of shutdown is reached.
  } catch (const ContainerNotRunning&) {
  }
}

Container create_new_container(const CreateOptions& options) {
  detail::validate_create_options(options);
  std::string image = options.image;
  if (options.profile && options.image == kDefaultImage) image = resolve_profile(*options.profile).image_tag;
  std::optional<bool> network = options.network;
  if (!network && options.profile) network = resolve_profile(*options.profile).network_default;
  CreateOptions effective = options;
  effective.image = image;
  effective.network = network;

  auto state = std::make_shared<detail::ContainerState>();
  state->engine = detail::EngineClient::connect(options.engine);
  state->name = options.name.empty() ? detail::generate_name() : options.name;
  state->image = image;
  state->timeout = options.timeout;
  state->persist = options.persist;
  state->project = options.project.value_or("");
  state->create_options = effective;
  if (!options.runtime.empty()) detail::require_runtime(*state->engine, options.runtime);
  detail::prepare_instance(*state, options);

  auto body =
      detail::container_create_body(effective, state->name, image, state->project, state->data_path, detail::iso_now());
  std::string id;
  try {
    id = detail::create_container_or_clean_up(*state->engine, body, state->name);
  } catch (...) {
    detail::discard_instance(*state);
    throw;
  }
  try {
    state->engine->start_container(id);
    state->runtime = state->engine->container_runtime(id);
    if (!options.runtime.empty() && state->runtime != options.runtime) {
      throw PocketDockError(fmt::format("container {} runs under the runtime {:?}, not the requested {:?}", id,
                                        state->runtime, options.runtime),
                            {.operation = "container create", .container_id = id});
    }
  } catch (...) {
    detail::discard_instance(*state);
    try {
      state->engine->remove_container(id, true);
    } catch (...) {
      // Keep the start error, which says what went wrong.
    }
    throw;
  }
  state->id = id;
  state->oom_kills_claimed = 0;  // a new memory cgroup
  detail::record_instance(*state);
  return detail::ContainerAccess::make(std::move(state));
}

}  // namespace pocketdock
