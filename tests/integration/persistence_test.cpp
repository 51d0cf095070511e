// Persistence, management by name, projects and doctor against a real engine, including
// containers and project directories laid out as the Python library makes them.
#include "support/engines.hpp"

#include "engine_api.hpp"
#include "exec.hpp"
#include "projects_internal.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace {

using namespace std::chrono_literals;
using pocketdock::create_new_container;
using pocketdock::ManageOptions;
namespace fs = std::filesystem;

std::shared_ptr<pocketdock::detail::EngineClient> raw_engine() {
  return pocketdock::detail::EngineClient::connect({.socket = pdtest::engine_socket()});
}

ManageOptions manage(std::optional<std::string> project = {}) {
  return {.engine = {.socket = pdtest::engine_socket()}, .project = std::move(project)};
}

bool is_running(const std::string& id) { return raw_engine()->inspect_container(id)["State"]["Running"].get<bool>(); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Removes every container of a name at scope exit, whatever the test did.
struct DestroyGuard {
  explicit DestroyGuard(std::string n) : name(std::move(n)) {}
  ~DestroyGuard() {
    for (int i = 0; i < 3; ++i) {
      try {
        pocketdock::destroy_container(name, manage());
      } catch (...) {
        break;
      }
    }
  }
  std::string name;
};

struct TempDir {
  TempDir() {
    path = fs::temp_directory_path() / pdtest::unique_name("pdproj");
    fs::create_directories(path);
    path = fs::canonical(path);
    fs::permissions(path, fs::perms::all);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path path;
};

struct CwdGuard {
  explicit CwdGuard(const fs::path& dir) : saved(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() { fs::current_path(saved); }
  fs::path saved;
};

pocketdock::CreateOptions persistent(const std::string& project) {
  auto o = pdtest::sandbox_options();
  o.persist = true;
  o.project = project;
  return o;
}

const pocketdock::ContainerListItem* find_item(const std::vector<pocketdock::ContainerListItem>& items,
                                               const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const auto& i) { return i.name == name; });
  return it == items.end() ? nullptr : &*it;
}

// ----- Persistence -----

TEST(Persistence, ShutdownStopsAndResumeKeepsTheFilesystem) {
  std::string project = pdtest::unique_name("proj");
  auto c = create_new_container(persistent(project));
  DestroyGuard guard(c.name());
  std::string id = c.id();
  ASSERT_TRUE(c.run("touch /tmp/persistence-marker").ok());
  c.shutdown();
  EXPECT_FALSE(is_running(id));
  auto r = pocketdock::resume_container(c.name(), manage());
  EXPECT_EQ(r.id(), id);
  EXPECT_TRUE(r.persist());
  EXPECT_EQ(r.project(), project);
  EXPECT_TRUE(is_running(id));
  EXPECT_TRUE(r.run("ls /tmp/persistence-marker").ok());
  r.shutdown();
  EXPECT_FALSE(is_running(id));
  EXPECT_NO_THROW((void)raw_engine()->inspect_container(id)) << "a persistent container is never removed by shutdown";
}

TEST(Persistence, ListShowsEphemeralAndPersistentOfAProject) {
  std::string project = pdtest::unique_name("proj");
  auto eo = pdtest::sandbox_options();
  eo.project = project;
  auto eph = create_new_container(eo);
  auto per = create_new_container(persistent(project));
  DestroyGuard guard(per.name());
  auto items = pocketdock::list_containers(manage(project));
  EXPECT_EQ(items.size(), 2U);
  const auto* e = find_item(items, eph.name());
  const auto* p = find_item(items, per.name());
  ASSERT_TRUE(e && p);
  EXPECT_FALSE(e->persist);
  EXPECT_TRUE(p->persist);
  EXPECT_EQ(p->project, project);
  EXPECT_EQ(p->status, "running");
  EXPECT_EQ(p->id, per.id().substr(0, 12));
  EXPECT_FALSE(p->created_at.empty());
  EXPECT_NE(p->image.find("minimal-shell"), std::string::npos);
  EXPECT_TRUE(find_item(pocketdock::list_containers(manage()), eph.name()));
  EXPECT_FALSE(find_item(pocketdock::list_containers(manage(pdtest::unique_name("other"))), eph.name()));
}

TEST(Persistence, DestroyRemovesAStoppedPersistentContainer) {
  std::string project = pdtest::unique_name("proj");
  auto c = create_new_container(persistent(project));
  std::string name = c.name();
  std::string id = c.id();
  c.shutdown();
  pocketdock::destroy_container(name, manage());
  EXPECT_THROW((void)raw_engine()->inspect_container(id), pocketdock::ContainerNotFound);
  EXPECT_FALSE(find_item(pocketdock::list_containers(manage(project)), name));
  EXPECT_THROW(pocketdock::destroy_container(name, manage()), pocketdock::ContainerNotFound);
}

TEST(Persistence, PruneRemovesOnlyStoppedContainersOfItsProject) {
  std::string a = pdtest::unique_name("prune-a");
  std::string b = pdtest::unique_name("prune-b");
  auto a_stopped = create_new_container(persistent(a));
  auto a_running = create_new_container(persistent(a));
  auto b_stopped = create_new_container(persistent(b));
  DestroyGuard g1(a_stopped.name()), g2(a_running.name()), g3(b_stopped.name());
  a_stopped.shutdown();
  b_stopped.shutdown();
  EXPECT_EQ(pocketdock::prune(manage(a)), 1);
  EXPECT_THROW((void)raw_engine()->inspect_container(a_stopped.id()), pocketdock::ContainerNotFound);
  EXPECT_TRUE(is_running(a_running.id()));
  EXPECT_NO_THROW((void)raw_engine()->inspect_container(b_stopped.id()));
  EXPECT_EQ(pocketdock::prune(manage(a)), 0);
  EXPECT_EQ(pocketdock::prune(manage(b)), 1);
}

TEST(Persistence, StopAndAttachNeverStartAndAttachedHandlesLeaveTheContainer) {
  std::string project = pdtest::unique_name("proj");
  auto c = create_new_container(persistent(project));
  DestroyGuard guard(c.name());
  std::string id = c.id();
  pocketdock::stop_container(c.name(), manage());
  EXPECT_FALSE(is_running(id));
  pocketdock::stop_container(c.name(), manage());  // already stopped is fine
  {
    auto a = pocketdock::attach_container(c.name(), manage());
    EXPECT_EQ(a.id(), id);
    EXPECT_FALSE(is_running(id));
    EXPECT_EQ(a.info().status, "exited");
    EXPECT_THROW((void)a.run("true"), pocketdock::ContainerNotRunning);
  }
  EXPECT_FALSE(is_running(id));
  (void)pocketdock::list_containers(manage(project));
  EXPECT_FALSE(is_running(id)) << "listing must not start anything";
  EXPECT_THROW(pocketdock::stop_container(pdtest::unique_name("missing"), manage()), pocketdock::ContainerNotFound);
  EXPECT_THROW((void)pocketdock::attach_container(c.name(), manage(pdtest::unique_name("other"))),
               pocketdock::ContainerNotFound);
}

TEST(Persistence, AttachedEphemeralSurvivesTheHandleButNotAnExplicitShutdown) {
  auto c = create_new_container(pdtest::sandbox_options());
  std::string id = c.id();
  {
    auto a = pocketdock::attach_container(c.name(), manage());
    EXPECT_TRUE(a.run("true").ok());
  }
  EXPECT_TRUE(is_running(id));
  auto a = pocketdock::attach_container(c.name(), manage());
  a.shutdown();
  EXPECT_THROW((void)raw_engine()->inspect_container(id), pocketdock::ContainerNotFound);
}

TEST(Persistence, VolumeWritesReachTheHostAndSurviveAFreshRebootOfAResumedHandle) {
  TempDir host;
  auto o = persistent(pdtest::unique_name("proj"));
  o.volumes = {{host.path.string(), "/mnt/shared"}};
  o.mem_limit = "96m";
  auto c = create_new_container(o);
  DestroyGuard guard(c.name());
  ASSERT_TRUE(c.run("echo from-container > /mnt/shared/out.txt").ok());
  EXPECT_EQ(slurp(host.path / "out.txt"), "from-container\n");
  c.shutdown();
  auto r = pocketdock::resume_container(c.name(), manage());
  r.reboot(true);
  EXPECT_EQ(r.run("cat /mnt/shared/out.txt").out, "from-container\n");
  EXPECT_EQ(r.info().memory_limit, "96.0 MB");
  auto j = raw_engine()->inspect_container(r.id());
  EXPECT_EQ(j["Config"]["Labels"]["pocketdock.persist"], "true");
  EXPECT_EQ(j["Config"]["Labels"]["pocketdock.instance"], c.name());
}

TEST(Persistence, AContainerMadeByThePythonLibraryIsManaged) {
  // The reference sets no engine name and keeps the pocketdock name in a label only; its data
  // path is the container's instance directory in a project.
  TempDir dir;
  std::string name = "pd-" + pocketdock::detail::random_hex(8);
  std::string project = pdtest::unique_name("pyproj");
  fs::path root = pocketdock::init_project(dir.path, project);
  struct {
    fs::path path;
  } data{root / ".pocketdock" / "instances" / name};
  fs::create_directories(data.path / "logs");
  nlohmann::json body{{"Image", pdtest::kTestImage},
                      {"Cmd", {"sleep", "infinity"}},
                      {"Labels",
                       {{"pocketdock.managed", "true"},
                        {"pocketdock.instance", name},
                        {"pocketdock.persist", "true"},
                        {"pocketdock.created-at", "2026-02-09T12:34:56.123456+00:00"},
                        {"pocketdock.project", project},
                        {"pocketdock.data-path", data.path.string()},
                        {"pocketdock.test", "true"}}},
                      {"HostConfig", {{"Memory", 134217728}}}};
  auto engine = raw_engine();
  std::string id = engine->create_container(body, "");
  DestroyGuard guard(name);
  pocketdock::detail::write_instance_metadata(data.path, {.container_id = id.substr(0, 12), .name = name});
  auto items = pocketdock::list_containers(manage(project));
  ASSERT_EQ(items.size(), 1U);
  EXPECT_EQ(items[0].name, name);
  EXPECT_EQ(items[0].status, "created");
  EXPECT_TRUE(items[0].persist);
  EXPECT_EQ(items[0].created_at, "2026-02-09T12:34:56.123456+00:00");
  {
    auto c = pocketdock::resume_container(name, manage());
    EXPECT_EQ(c.id(), id);
    EXPECT_EQ(c.data_path(), data.path.string());
    EXPECT_EQ(c.info().memory_limit, "128.0 MB");
    EXPECT_EQ(c.run("echo hello").out, "hello\n");
  }
  EXPECT_FALSE(is_running(id)) << "a persistent container is stopped by the handle";
  // The run was logged into the Python instance directory.
  EXPECT_NE(slurp(data.path / "logs" / "history.jsonl").find(R"("command": "echo hello")"), std::string::npos);
  pocketdock::destroy_container(name, manage());
  EXPECT_THROW((void)engine->inspect_container(id), pocketdock::ContainerNotFound);
  EXPECT_FALSE(fs::exists(data.path)) << "destroy deletes the data path";
}

// ----- Projects -----

TEST(Projects, PersistentContainerInAProjectGetsAnInstanceDirMetadataAndLogs) {
  TempDir dir;
  std::string project = pdtest::unique_name("integ");
  fs::path root = pocketdock::init_project(dir.path, project);
  fs::create_directories(root / "src");
  CwdGuard cwd(root / "src");
  auto o = pdtest::sandbox_options();
  o.persist = true;
  o.mem_limit = "64m";
  auto c = create_new_container(o);
  DestroyGuard guard(c.name());
  fs::path inst = root / ".pocketdock" / "instances" / c.name();
  EXPECT_EQ(c.project(), project);
  EXPECT_EQ(c.data_path(), inst.string());
  auto labels = raw_engine()->inspect_container(c.id())["Config"]["Labels"];
  EXPECT_EQ(labels["pocketdock.project"], project);
  EXPECT_EQ(labels["pocketdock.data-path"], inst.string());
  EXPECT_TRUE(fs::is_directory(inst / "data"));
  auto meta = pocketdock::read_instance_metadata(inst);
  ASSERT_TRUE(meta);
  EXPECT_EQ(meta->container_id, c.id());
  EXPECT_EQ(meta->name, c.name());
  EXPECT_EQ(meta->project, project);
  EXPECT_EQ(meta->mem_limit, "64m");
  EXPECT_TRUE(meta->persist);

  ASSERT_TRUE(c.run("echo hello").ok());
  auto history = pocketdock::read_history(root, c.name());
  ASSERT_EQ(history.size(), 1U);
  EXPECT_EQ(history[0].command, "echo hello");
  EXPECT_EQ(history[0].type, "run");
  EXPECT_EQ(history[0].exit_code, 0);
  int run_logs = 0;
  for (const auto& e : fs::directory_iterator(inst / "logs")) {
    if (e.path().filename().string().rfind("run-", 0) == 0) {
      ++run_logs;
      EXPECT_NE(slurp(e.path()).find("--- stdout ---\nhello\n"), std::string::npos);
    }
  }
  EXPECT_EQ(run_logs, 1);

  c.reboot(true);
  EXPECT_EQ(pocketdock::read_instance_metadata(inst)->container_id, c.id()) << "a fresh reboot updates instance.toml";

  auto report = pocketdock::doctor({.project_root = root, .engine = {.socket = pdtest::engine_socket()}});
  EXPECT_EQ(report.healthy, 1);
  EXPECT_TRUE(report.orphaned_containers.empty());
  EXPECT_TRUE(report.stale_instance_dirs.empty());

  c.shutdown();
  pocketdock::destroy_container(c.name(), manage());
  EXPECT_FALSE(fs::exists(inst));
}

TEST(Projects, AProjectMadeByThePythonLibraryWorksAndDoctorReportsDrift) {
  TempDir dir;
  std::string project = pdtest::unique_name("pyproj");
  fs::create_directories(dir.path / ".pocketdock/instances/pd-stale00/logs");
  std::ofstream(dir.path / ".pocketdock/pocketdock.yaml")
      << "# Project configuration for pocketdock\nproject_name: " << project
      << "\ndefault_profile: minimal-python\ndefault_persist: false\n\nlogging:\n  auto_log: true\n";
  EXPECT_EQ(pocketdock::get_project_name(dir.path), project);
  std::string explicit_project;
  {
    CwdGuard cwd(dir.path);
    EXPECT_EQ(pocketdock::find_project_root(), dir.path);
    auto o = pdtest::sandbox_options();
    o.persist = true;
    auto c = create_new_container(o);
    DestroyGuard guard(c.name());
    EXPECT_EQ(c.project(), project);
    // An explicit project overrides the YAML name.
    auto o2 = pdtest::sandbox_options();
    o2.persist = true;
    explicit_project = pdtest::unique_name("explicit");
    o2.project = explicit_project;
    auto c2 = create_new_container(o2);
    DestroyGuard guard2(c2.name());
    EXPECT_EQ(c2.project(), explicit_project);
    // An ephemeral container with the project label is an orphan to doctor.
    auto eo = pdtest::sandbox_options();
    eo.project = project;
    auto eph = create_new_container(eo);
    EXPECT_TRUE(eph.data_path().empty());
    auto report = pocketdock::doctor({.project_root = dir.path, .engine = {.socket = pdtest::engine_socket()}});
    EXPECT_EQ(report.healthy, 1);
    EXPECT_EQ(report.orphaned_containers, std::vector<std::string>{eph.name()});
    // The instance dir is made in the project found even for an explicit other project (as the
    // reference does), so that container's dir is stale to this project.
    EXPECT_EQ(report.stale_instance_dirs, (std::vector<std::string>{"pd-stale00", c2.name()}));
  }
  EXPECT_THROW((void)pocketdock::doctor({.project_root = dir.path / "nope"}), pocketdock::ProjectNotInitialized);
}

TEST(Projects, AFailedCreateLeavesNoInstanceDir) {
  TempDir dir;
  fs::path root = pocketdock::init_project(dir.path, pdtest::unique_name("failproj"));
  CwdGuard cwd(root);
  auto o = pdtest::sandbox_options();
  o.persist = true;
  o.image = "pocketdock/nonexistent-image-xyz-12345";
  EXPECT_THROW((void)create_new_container(o), pocketdock::ImageNotFound);
  EXPECT_TRUE(pocketdock::list_instance_dirs(root).empty());
}

TEST(Projects, PersistentOutsideAProjectHasNoInstanceDir) {
  TempDir dir;
  CwdGuard cwd(dir.path);
  auto o = pdtest::sandbox_options();
  o.persist = true;
  auto c = create_new_container(o);
  DestroyGuard guard(c.name());
  EXPECT_TRUE(c.data_path().empty());
  EXPECT_FALSE(fs::exists(dir.path / ".pocketdock"));
}

// ----- Labels read back from an engine are untrusted -----

void add_file(const fs::path& dir, const std::string& name) {
  fs::create_directories(dir);
  std::ofstream(dir / name) << "keep me\n";
}

// Removes an image at scope exit.
struct ImageGuard {
  explicit ImageGuard(std::string n) : name(std::move(n)) {}
  ~ImageGuard() {
    try {
      (void)raw_engine()->remove_image(name, false);
    } catch (...) {
      // Already gone.
    }
  }
  std::string name;
};

// An image carrying pocketdock's labels, as anyone can build one, naming `victim` as data path.
std::string labelled_image(const fs::path& victim, const std::string& instance, const std::string& project) {
  auto engine = raw_engine();
  nlohmann::json body{{"Image", pdtest::kTestImage}, {"Cmd", {"sleep", "infinity"}}, {"Labels", pdtest::test_labels()}};
  std::string id = engine->create_container(body, "");
  std::string repo = pdtest::unique_name("pdtest-labelled");
  (void)engine->commit_container(
      id, repo, "latest",
      {"LABEL pocketdock.managed=true", "LABEL pocketdock.persist=true", "LABEL pocketdock.instance=" + instance,
       "LABEL pocketdock.project=" + project, "LABEL pocketdock.data-path=" + victim.string()},
      "", "");
  engine->remove_container(id, true);
  return repo + ":latest";
}

TEST(UntrustedLabels, AnImagesDataPathLabelNeverDeletesOrWritesAHostDirectory) {
  TempDir victim;
  add_file(victim.path, "precious.txt");
  std::string project = pdtest::unique_name("evilproj");
  std::string instance = pdtest::unique_name("pdevil");
  std::string image = labelled_image(victim.path, instance, project);
  ImageGuard image_guard(image);
  auto engine = raw_engine();
  auto labels = engine->inspect_image(image).value()["Config"]["Labels"];
  ASSERT_EQ(labels["pocketdock.data-path"], victim.path.string()) << "the attack image carries the label";

  // Made by pocketdock: every pocketdock label is its own, so none of the image's shows through.
  {
    auto o = pdtest::sandbox_options();
    o.image = image;
    o.persist = true;
    auto c = create_new_container(o);
    DestroyGuard guard(c.name());
    EXPECT_TRUE(c.data_path().empty());
    auto own = engine->inspect_container(c.id())["Config"]["Labels"];
    EXPECT_EQ(own["pocketdock.data-path"], "");
    EXPECT_EQ(own["pocketdock.project"], "");
    EXPECT_EQ(own["pocketdock.instance"], c.name());
    EXPECT_TRUE(c.run("echo hi").ok());
    {
      auto s = c.session();
      (void)s.send_and_wait("echo logged?");
    }
    auto attached = pocketdock::attach_container(c.name(), manage());
    EXPECT_TRUE(attached.data_path().empty());
    c.shutdown();
    pocketdock::destroy_container(c.name(), manage());
  }
  // Run by someone else with a raw engine call: the image's labels make it neither managed nor
  // part of the project, so list, prune and the by-name calls do not see it.
  std::string raw_name = pdtest::unique_name("pdraw");
  nlohmann::json body{{"Image", image}, {"Cmd", {"sleep", "infinity"}}, {"Labels", pdtest::test_labels()}};
  std::string raw_id = engine->create_container(body, raw_name);
  struct RawGuard {
    std::string id;
    ~RawGuard() {
      try {
        raw_engine()->remove_container(id, true);
      } catch (...) {
      }
    }
  } raw_guard{raw_id};
  EXPECT_EQ(find_item(pocketdock::list_containers(manage()), instance), nullptr);
  EXPECT_TRUE(pocketdock::list_containers(manage(project)).empty());
  EXPECT_EQ(pocketdock::prune(manage(project)), 0);
  EXPECT_THROW(pocketdock::destroy_container(instance, manage()), pocketdock::ContainerNotFound);
  EXPECT_THROW((void)pocketdock::resume_container(instance, manage()), pocketdock::ContainerNotFound);
  EXPECT_NO_THROW((void)engine->inspect_container(raw_id)) << "prune removed a container that is not ours";

  // Even one named as the label says (so managed) has no trusted data path: nothing is deleted.
  engine->remove_container(raw_id, true);
  std::string named_id = engine->create_container(body, instance);
  raw_guard.id = named_id;
  {
    auto c = pocketdock::resume_container(instance, manage());
    EXPECT_TRUE(c.data_path().empty());
    auto p = c.spawn("echo detached");
    (void)p.wait(30s);
  }
  pocketdock::destroy_container(instance, manage());
  EXPECT_THROW((void)engine->inspect_container(named_id), pocketdock::ContainerNotFound);

  ASSERT_TRUE(fs::is_regular_file(victim.path / "precious.txt")) << "the victim directory was deleted";
  EXPECT_EQ(slurp(victim.path / "precious.txt"), "keep me\n");
  EXPECT_FALSE(fs::exists(victim.path / "logs")) << "logs were written into the victim directory";
}

TEST(UntrustedLabels, ASnapshotCarriesNoPocketdockLabel) {
  TempDir dir;
  fs::path root = pocketdock::init_project(dir.path, pdtest::unique_name("snapproj"));
  CwdGuard cwd(root);
  auto o = pdtest::sandbox_options();
  o.persist = true;
  auto c = create_new_container(o);
  DestroyGuard guard(c.name());
  ASSERT_FALSE(c.data_path().empty());
  std::string image = pdtest::unique_name("pdtest-snap") + ":v1";
  (void)c.snapshot(image, {.changes = {"LABEL keep.me=yes"}});
  ImageGuard image_guard(image);
  auto labels = raw_engine()->inspect_image(image).value()["Config"]["Labels"];
  ASSERT_TRUE(labels.is_object());
  EXPECT_EQ(labels["keep.me"], "yes");
  for (const auto& [key, value] : labels.items()) {
    if (key.rfind("pocketdock.", 0) == 0) {
      EXPECT_EQ(value, "") << key;
    }
  }
}

// ----- A fresh reboot whose create fails keeps the old container -----

TEST(Reboot, AFreshRebootWhoseCreateFailsKeepsTheOldContainerWorking) {
  auto engine = raw_engine();
  std::string repo = pdtest::unique_name("pdtest-reboot");
  (void)engine->call_checked(pocketdock::detail::ApiOp::image_tag,
                             {.method = "POST",
                              .path = "/images/" + std::string(pdtest::kTestImage) + "/tag",
                              .query = {{"repo", repo}, {"tag", "tmp"}}},
                             "", repo);
  ImageGuard image_guard(repo + ":tmp");
  auto o = pdtest::sandbox_options();
  o.image = repo + ":tmp";
  auto c = create_new_container(o);
  std::string id = c.id();
  ASSERT_TRUE(c.run("echo old > /tmp/reboot-marker").ok());
  ASSERT_TRUE(engine->remove_image(repo + ":tmp", false)) << "the tag could not be removed";
  EXPECT_THROW(c.reboot(true), pocketdock::ImageNotFound);
  EXPECT_EQ(c.id(), id);
  auto inspect = engine->inspect_container(c.name());
  EXPECT_EQ(inspect["Id"], id) << "the old container has its name back";
  EXPECT_TRUE(inspect["State"]["Running"].get<bool>());
  EXPECT_EQ(c.run("cat /tmp/reboot-marker").out, "old\n") << "not the same container";
  c.shutdown();
}

}  // namespace
