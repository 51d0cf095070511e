#include "engines.hpp"

#include "engine_api.hpp"
#include "exec.hpp"

#include <cstdlib>

namespace pdtest {

std::unique_ptr<pocketdock::Container> SharedContainerTest::shared_;

std::string engine_kind() {
  const char* v = std::getenv("POCKETDOCK_TEST_ENGINE");
  return v == nullptr ? std::string("podman") : std::string(v);
}

std::string test_runtime() {
  const char* v = std::getenv("POCKETDOCK_TEST_RUNTIME");
  return v == nullptr ? std::string() : std::string(v);
}

std::string engine_main_socket() {
  std::string var = engine_kind() == "docker" ? "POCKETDOCK_TEST_DOCKER_SOCKET" : "POCKETDOCK_TEST_PODMAN_SOCKET";
  const char* v = std::getenv(var.c_str());
  if (v != nullptr && *v != '\0') return v;
  return "/run/pocketdock/" + engine_kind() + ".sock";
}

std::string engine_socket() {
  // Podman 4.3 picks the runtime per service: gVisor there is a second service.
  if (engine_kind() == "podman" && test_runtime() == "runsc") {
    const char* v = std::getenv("POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET");
    return v != nullptr && *v != '\0' ? std::string(v) : std::string("/run/pocketdock/podman-runsc.sock");
  }
  return engine_main_socket();
}

std::string unique_name(const std::string& prefix) { return prefix + "-" + pocketdock::detail::random_hex(10); }

std::map<std::string, std::string> test_labels() {
  std::map<std::string, std::string> labels{{"pocketdock.test", "true"}};
  if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID"); run != nullptr && *run != '\0') {
    labels["pocketdock.test.run"] = run;
  }
  return labels;
}

pocketdock::CreateOptions sandbox_options() {
  pocketdock::CreateOptions o;
  o.image = kTestImage;
  o.name = unique_name();
  o.labels = test_labels();
  o.engine.socket = engine_socket();
  o.runtime = test_runtime();
  return o;
}

std::shared_ptr<pocketdock::detail::EngineClient> raw_engine() {
  return pocketdock::detail::EngineClient::connect({.socket = engine_socket()});
}

std::string ps_output(pocketdock::Container& c) {
  auto r = c.run(pocketdock::Command::argv({"ps", "-o", "pid,args"}));
  return r.out;
}

void SharedContainerTest::SetUpTestSuite() {
  if (!shared_) shared_ = std::make_unique<pocketdock::Container>(pocketdock::create_new_container(sandbox_options()));
}

void SharedContainerTest::TearDownTestSuite() { shared_.reset(); }

pocketdock::Container& SharedContainerTest::container() {
  if (!shared_) SetUpTestSuite();
  return *shared_;
}

}  // namespace pdtest
