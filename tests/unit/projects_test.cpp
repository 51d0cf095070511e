// Project files in the reference's formats: YAML template, instance.toml, history lines, logs.
#include "projects_internal.hpp"

#include <pocketdock/errors.hpp>
#include <pocketdock/projects.hpp>

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <random>

namespace {

using namespace pocketdock;
namespace fs = std::filesystem;

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    root_ = fs::temp_directory_path() / ("pdunit-" + std::to_string(rd()) + std::to_string(rd()));
    fs::create_directories(root_);
    root_ = fs::canonical(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  static void write(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  fs::path root_;
};

TEST(ProjectYaml, IsTheReferenceTemplate) {
  EXPECT_EQ(detail::project_yaml("my-proj"),
            "# Project configuration for pocketdock\n"
            "project_name: my-proj\n"
            "default_profile: minimal-python\n"
            "default_persist: false\n"
            "\n"
            "logging:\n"
            "  auto_log: true\n"
            "  max_log_size: \"10MB\"\n"
            "  max_logs_per_instance: 100\n"
            "  retention_days: 30\n");
  // Names YAML would misread are quoted, so they read back as the same string.
  for (std::string name : {"a: b", "42", "true", "#x", "with \"quotes\""}) {
    YAML::Node doc = YAML::Load(detail::project_yaml(name));
    EXPECT_EQ(doc["project_name"].as<std::string>(), name);
    EXPECT_FALSE(detail::yaml_plain_non_string(name) && doc["project_name"].Tag() == "?") << name;
  }
}

TEST_F(TempDir, InitProjectFindRootAndName) {
  fs::path proj = root_ / "myproj";
  fs::create_directories(proj / "sub" / "deeper");
  EXPECT_FALSE(find_project_root(proj / "sub"));
  fs::create_directories(proj / ".pocketdock");
  EXPECT_FALSE(find_project_root(proj)) << "a bare .pocketdock/ does not count";
  EXPECT_EQ(init_project(proj), proj);
  EXPECT_EQ(slurp(proj / ".pocketdock/pocketdock.yaml"), detail::project_yaml("myproj"));
  EXPECT_TRUE(fs::is_directory(proj / ".pocketdock/instances"));
  EXPECT_EQ(find_project_root(proj / "sub" / "deeper"), proj);
  EXPECT_EQ(get_project_name(proj), "myproj");
  // Idempotent: never overwritten.
  init_project(proj, "other");
  EXPECT_EQ(get_project_name(proj), "myproj");
  YAML::Node doc = YAML::LoadFile((proj / ".pocketdock/pocketdock.yaml").string());
  EXPECT_EQ(doc["logging"]["max_logs_per_instance"].as<int>(), 100);
  EXPECT_FALSE(doc["default_persist"].as<bool>());
}

TEST_F(TempDir, ProjectNameFallbacks) {
  fs::path cfg = root_ / ".pocketdock/pocketdock.yaml";
  std::string dirname = root_.filename().string();
  for (std::string text : {"", "project_name: ''\n", "project_name: 42\n", "project_name: [a\n", "other: 1\n",
                           "project_name: true\n", "- a\n"}) {
    write(cfg, text);
    EXPECT_EQ(get_project_name(root_), dirname) << text;
  }
  write(cfg, "project_name: \"42\"\n");
  EXPECT_EQ(get_project_name(root_), "42");
  write(cfg, "project_name: from-python\ndefault_profile: dev\n");
  EXPECT_EQ(get_project_name(root_), "from-python");
  fs::remove(cfg);
  EXPECT_EQ(get_project_name(root_), dirname);
}

TEST_F(TempDir, InstanceTomlIsValidEscapedAndReadable) {
  InstanceMetadata m;
  m.container_id = "abc";
  m.name = "pd-1";
  m.image = "img";
  m.project = R"(we"ird\proj)";
  m.created_at = "2026-02-09T12:34:56.123456+00:00";
  m.persist = true;
  m.mem_limit = "256m";
  m.cpu_percent = 50;
  m.ports = {{8080, 80}};
  m.created_by = R"(prog --arg "x\y")";
  m.pid = 1234;
  std::string text = detail::render_instance_toml(m);
  EXPECT_EQ(text.rfind("# Maintained by pocketdock. Do not edit.\n\n", 0), 0U) << text;
  EXPECT_NE(text.find(R"(project = "we\"ird\\proj")"), std::string::npos) << text;
  auto doc = toml::parse(text);
  EXPECT_EQ(doc["container"]["project"].value_or(std::string()), R"(we"ird\proj)");
  EXPECT_EQ(doc["container"]["id"].value_or(std::string()), "abc");
  EXPECT_EQ(doc["container"]["persist"].value_or(false), true);
  EXPECT_EQ(doc["resources"]["mem_limit"].value_or(std::string()), "256m");
  EXPECT_EQ(doc["resources"]["cpu_percent"].value_or(0), 50);
  EXPECT_EQ(doc["ports"]["8080"].value_or(0), 80);
  EXPECT_EQ(doc["provenance"]["created_by"].value_or(std::string()), m.created_by);
  EXPECT_EQ(doc["provenance"]["pid"].value_or(0), 1234);

  detail::write_instance_metadata(root_ / "inst", m);
  auto back = read_instance_metadata(root_ / "inst");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->project, m.project);
  EXPECT_EQ(back->ports, m.ports);
  EXPECT_EQ(back->cpu_percent, 50);
  EXPECT_EQ(back->created_by, m.created_by);
}

TEST(InstanceToml, MatchesTheReferenceLayout) {
  InstanceMetadata m{.container_id = "abc",
                     .name = "pd-1",
                     .image = "img",
                     .project = "p",
                     .created_at = "2026-02-09T12:34:56.123456+00:00",
                     .persist = true,
                     .mem_limit = "256m",
                     .cpu_percent = 50,
                     .ports = {{8080, 80}, {9000, 90}},
                     .created_by = "prog run",
                     .pid = 1234};
  EXPECT_EQ(detail::render_instance_toml(m),
            "# Maintained by pocketdock. Do not edit.\n\n"
            "[container]\nid = \"abc\"\nname = \"pd-1\"\nimage = \"img\"\nproject = \"p\"\n"
            "created_at = \"2026-02-09T12:34:56.123456+00:00\"\npersist = true\n\n"
            "[resources]\nmem_limit = \"256m\"\ncpu_percent = 50\n\n"
            "[ports]\n8080 = 80\n9000 = 90\n\n"
            "[provenance]\ncreated_by = \"prog run\"\npid = 1234\n");
}

TEST_F(TempDir, InstanceTomlWithoutLimitsHasNoResourcesSection) {
  InstanceMetadata m{.container_id = "(pending)", .name = "n", .persist = false};
  std::string text = detail::render_instance_toml(m);
  EXPECT_EQ(text.find("[resources]"), std::string::npos);
  EXPECT_EQ(text.find("[ports]"), std::string::npos);
  EXPECT_NE(text.find("persist = false"), std::string::npos);
  EXPECT_NE(text.find("[provenance]"), std::string::npos);
}

TEST_F(TempDir, ReadsAnInstanceTomlWrittenByThePythonLibrary) {
  write(root_ / "i/instance.toml",
        "# Maintained by pocketdock. Do not edit.\n\n[container]\nid = \"0123abcd\"\nname = \"pd-a1b2c3d4\"\n"
        "image = \"pocketdock/minimal-python\"\nproject = \"proj\"\ncreated_at = \"2026-02-09T12:34:56.123456+00:00\"\n"
        "persist = true\n\n[resources]\nmem_limit = \"256m\"\ncpu_percent = 50\n\n[ports]\n8080 = 80\n\n"
        "[provenance]\ncreated_by = \"python -m pytest\"\npid = 4242\n");
  auto m = read_instance_metadata(root_ / "i");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->container_id, "0123abcd");
  EXPECT_EQ(m->name, "pd-a1b2c3d4");
  EXPECT_EQ(m->mem_limit, "256m");
  EXPECT_EQ(m->ports, (std::map<int, int>{{8080, 80}}));
  EXPECT_EQ(m->pid, 4242);
  write(root_ / "bad/instance.toml", "id = \"unterminated\n");
  EXPECT_FALSE(read_instance_metadata(root_ / "bad"));
}

TEST(HistoryLine, MatchesPythonJsonDumps) {
  ExecResult r{.exit_code = 0, .duration = Milliseconds(12.34), .timed_out = false};
  EXPECT_EQ(detail::history_line("echo hello", r, "2026-02-10T14:30:00.123456+00:00"),
            R"({"type": "run", "command": "echo hello", "exit_code": 0, "duration_ms": 12.3, "timed_out": false, )"
            R"("timestamp": "2026-02-10T14:30:00.123456+00:00"})");
  ExecResult t{.exit_code = -1, .duration = Milliseconds(1000.0), .timed_out = true};
  EXPECT_EQ(
      detail::history_line("say \"hi\"\\\n\t\xc3\xa9\xf0\x9f\x9a\x80", t, "ts"),
      R"({"type": "run", "command": "say \"hi\"\\\n\t\u00e9\ud83d\ude80", "exit_code": -1, "duration_ms": 1000.0, )"
      R"("timed_out": true, "timestamp": "ts"})");
  EXPECT_EQ(detail::python_float(5.0), "5.0");
  EXPECT_EQ(detail::python_float(0.1), "0.1");
  EXPECT_EQ(detail::python_json_string("\x01\x7f"), R"("\u0001\u007f")");
}

TEST(RunLog, ReferenceLayout) {
  EXPECT_EQ(detail::safe_timestamp("2026-02-10T14:30:00.123456+00:00"), "2026-02-10T14-30-00.123456p00-00");
  ExecResult r{.exit_code = 0, .out = "hello\n", .err = "", .duration = Milliseconds(3.25)};
  EXPECT_EQ(detail::run_log_text("echo hello", r),
            "# command: echo hello\n# exit_code: 0\n# duration_ms: 3.2\n# timed_out: False\n\n--- stdout ---\nhello\n");
  ExecResult e{.exit_code = 1, .out = "", .err = "bad", .timed_out = true};
  EXPECT_EQ(detail::run_log_text("x", e),
            "# command: x\n# exit_code: 1\n# duration_ms: 0.0\n# timed_out: True\n\n--- stderr ---\nbad");
}

TEST_F(TempDir, LogRunWritesRunLogAndHistoryThatReadHistoryParses) {
  init_project(root_, "p");
  fs::path dir = detail::ensure_instance_dir(root_, "pd-x");
  ExecResult r{.exit_code = 0, .out = "hello\n", .duration = Milliseconds(2.0)};
  detail::log_run(dir.string(), "echo hello", r, "2026-02-10T14:30:00.123456+00:00");
  EXPECT_EQ(slurp(dir / "logs/run-2026-02-10T14-30-00.123456p00-00.log"), detail::run_log_text("echo hello", r));
  // A line from the Python library and an invalid one in another instance.
  write(root_ / ".pocketdock/instances/pd-py/logs/history.jsonl",
        "{\"type\": \"run\", \"command\": \"ls\", \"exit_code\": 2, \"duration_ms\": 5.5, \"timed_out\": false, "
        "\"timestamp\": \"t\"}\n\nnot json\n");
  auto all = read_history(root_);
  ASSERT_EQ(all.size(), 2U);
  EXPECT_EQ(all[0].instance, "pd-py");
  EXPECT_EQ(all[0].exit_code, 2);
  EXPECT_DOUBLE_EQ(all[0].duration_ms, 5.5);
  EXPECT_EQ(all[1].instance, "pd-x");
  EXPECT_EQ(all[1].command, "echo hello");
  EXPECT_EQ(read_history(root_, "pd-x").size(), 1U);
  EXPECT_THROW((void)read_history(root_, "nope"), PocketDockError);
  EXPECT_EQ(list_instance_dirs(root_), (std::vector<std::string>{"pd-py", "pd-x"}));
  EXPECT_TRUE(remove_instance_dir(root_, "pd-py"));
  EXPECT_FALSE(remove_instance_dir(root_, "pd-py"));
}

TEST_F(TempDir, SessionAndDetachLogs) {
  auto s = detail::InstanceLogFile::open_session(root_.string(), "exec123");
  ASSERT_TRUE(s);
  s->session_send("ls");
  s->raw("bash$ ");
  std::string text = slurp(s->path());
  EXPECT_EQ(text.rfind("# session_id: exec123\n\n[", 0), 0U);
  EXPECT_NE(text.find("] >>> ls\nbash$ "), std::string::npos);
  auto d = detail::InstanceLogFile::open_detach(root_.string(), "echo hi");
  ASSERT_TRUE(d);
  d->detach_output(OutputStream::out, "hi\n");
  d->detach_output(OutputStream::err, "oops");
  d->detach_exit(0, 12.25);
  text = slurp(d->path());
  EXPECT_EQ(text.rfind("# command: echo hi\n\n[", 0), 0U);
  EXPECT_NE(text.find("] [stdout] hi\n["), std::string::npos);
  EXPECT_NE(text.find("] [stderr] oops\n# exit_code: 0\n# duration_ms: 12.2\n"), std::string::npos);
  EXPECT_EQ(d->path().filename().string().rfind("detach-", 0), 0U);
}

TEST_F(TempDir, NoDataPathMeansNoLog) {
  EXPECT_FALSE(detail::InstanceLogFile::open_session("", "exec123"));
  EXPECT_FALSE(detail::InstanceLogFile::open_detach("", "echo hi"));
}

TEST_F(TempDir, ALogStopsForGoodAfterAFailedWrite) {
  auto s = detail::InstanceLogFile::open_session(root_.string(), "exec123");
  ASSERT_TRUE(s);
  auto copy = *s;
  std::filesystem::remove_all(root_ / "logs");
  s->session_send("ls");  // fails: no directory; does not throw
  EXPECT_FALSE(s->ok());
  EXPECT_FALSE(copy.ok()) << "copies share the state";
  std::filesystem::create_directories(root_ / "logs");
  s->raw("late");
  EXPECT_FALSE(std::filesystem::exists(s->path())) << "nothing is written after a failure";
}

TEST_F(TempDir, DoctorNeedsAProject) { EXPECT_THROW((void)doctor({.project_root = root_}), ProjectNotInitialized); }

// ----- untrusted data-path labels -----

class DataPathLabel : public TempDir {
 protected:
  static constexpr const char* kId = "0123456789abcdef0123456789abcdef";
  void SetUp() override {
    TempDir::SetUp();
    write(root_ / ".pocketdock" / "pocketdock.yaml", detail::project_yaml("p"));
    dir_ = root_ / ".pocketdock" / "instances" / "pd-mine";
    InstanceMetadata m;
    m.container_id = kId;
    m.name = "pd-mine";
    detail::write_instance_metadata(dir_, m);
  }
  fs::path dir_;
};

TEST_F(DataPathLabel, AnInstanceDirOfThatContainerIsTrusted) {
  EXPECT_EQ(detail::trusted_data_path(dir_.string(), kId, "pd-mine"), dir_.string());
  EXPECT_EQ(detail::trusted_data_path(dir_.string() + "/", kId, "pd-mine"), dir_.string());
  // The Python library may record the short id.
  InstanceMetadata m{.container_id = std::string(kId).substr(0, 12), .name = "pd-mine"};
  detail::write_instance_metadata(dir_, m);
  EXPECT_EQ(detail::trusted_data_path(dir_.string(), kId, "pd-mine"), dir_.string());
}

TEST_F(DataPathLabel, AnythingElseIsIgnored) {
  auto trusted = [&](const std::string& label, const std::string& id, const std::string& name) {
    return detail::trusted_data_path(label, id, name);
  };
  EXPECT_EQ(trusted("", kId, "pd-mine"), "");
  EXPECT_EQ(trusted(root_.string(), kId, "pd-mine"), "") << "any host directory";
  EXPECT_EQ(trusted("relative/path", kId, "pd-mine"), "");
  EXPECT_EQ(trusted(dir_.string(), "ffff456789abcdef", "pd-mine"), "") << "another container's id";
  EXPECT_EQ(trusted(dir_.string(), kId, "pd-other"), "") << "another name";
  EXPECT_EQ(trusted(dir_.string() + "/../pd-mine", kId, "pd-mine"), dir_.string()) << "normalised first";
  // No instance.toml, or one that names someone else.
  fs::path other = root_ / ".pocketdock" / "instances" / "pd-other";
  fs::create_directories(other);
  EXPECT_EQ(trusted(other.string(), kId, "pd-other"), "");
  detail::write_instance_metadata(other, {.container_id = "(pending)", .name = "pd-other"});
  EXPECT_EQ(trusted(other.string(), kId, "pd-other"), "") << "a pending create names no container";
  // Not inside a project (no pocketdock.yaml), or through a symlink.
  fs::remove(root_ / ".pocketdock" / "pocketdock.yaml");
  EXPECT_EQ(trusted(dir_.string(), kId, "pd-mine"), "");
  write(root_ / ".pocketdock" / "pocketdock.yaml", detail::project_yaml("p"));
  fs::path victim = root_ / "victim";
  fs::create_directories(victim);
  fs::copy_file(dir_ / "instance.toml", victim / "instance.toml");
  fs::path link = root_ / ".pocketdock" / "instances" / "pd-link";
  fs::create_directory_symlink(victim, link);
  detail::write_instance_metadata(victim, {.container_id = kId, .name = "pd-link"});
  EXPECT_EQ(trusted(link.string(), kId, "pd-link"), "") << "the last component is a symlink";
}

TEST(LogSize, ParsesTheProjectFileGrammar) {
  EXPECT_EQ(detail::parse_log_size("10MB"), 10U * 1024U * 1024U);
  EXPECT_EQ(detail::parse_log_size("10 mb"), 10U * 1024U * 1024U);
  EXPECT_EQ(detail::parse_log_size("512k"), 512U * 1024U);
  EXPECT_EQ(detail::parse_log_size("1G"), 1024U * 1024U * 1024U);
  EXPECT_EQ(detail::parse_log_size("300"), 300U);
  EXPECT_EQ(detail::parse_log_size("300B"), 300U);
  for (const char* bad : {"", "0", "MB", "10XB", "ten"})
    EXPECT_THROW((void)detail::parse_log_size(bad), InvalidArgument) << bad;
}

TEST_F(TempDir, LogsAreCutAtTheProjectsMaxLogSize) {
  write(root_ / ".pocketdock" / "pocketdock.yaml", "project_name: p\nlogging:\n  max_log_size: \"1k\"\n");
  fs::path inst = root_ / ".pocketdock" / "instances" / "pd-x";
  fs::create_directories(inst);
  EXPECT_EQ(detail::max_log_size_of(inst), 1024U);
  EXPECT_EQ(detail::max_log_size_of(root_), detail::kDefaultMaxLogSize) << "no project: the default";
  auto s = detail::InstanceLogFile::open_session(inst.string(), "exec123");
  ASSERT_TRUE(s);
  for (int i = 0; i < 100; ++i) s->raw(std::string(100, 'x'));
  std::string marker = "\n[log truncated at 1024 bytes]\n";
  std::string text = slurp(s->path());
  EXPECT_EQ(text.size(), 1024U + marker.size());
  EXPECT_EQ(text.substr(1024), marker);
  EXPECT_TRUE(s->ok());
  auto d = detail::InstanceLogFile::open_detach(inst.string(), "yes", 200);
  ASSERT_TRUE(d);
  for (int i = 0; i < 50; ++i) d->detach_output(OutputStream::out, "y\n");
  d->detach_exit(0, 1.0);
  EXPECT_EQ(slurp(d->path()).size(), 200U + std::string("\n[log truncated at 200 bytes]\n").size());
}

TEST(InstanceNames, AreValidatedBeforeUse) {
  EXPECT_THROW((void)instance_dir("/p", "../x"), InvalidArgument);
  EXPECT_THROW((void)instance_dir("/p", ".hidden"), InvalidArgument);
  EXPECT_THROW((void)instance_dir("/p", "a/b"), InvalidArgument);
  EXPECT_THROW((void)remove_instance_dir("/p", ".."), InvalidArgument);
  EXPECT_EQ(instance_dir("/p", "pd-1"), fs::path("/p/.pocketdock/instances/pd-1"));
}

}  // namespace
