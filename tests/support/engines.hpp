#pragma once
// Real-engine test support. POCKETDOCK_TEST_ENGINE (podman|docker) picks the engine,
// POCKETDOCK_TEST_PODMAN_SOCKET / POCKETDOCK_TEST_DOCKER_SOCKET say where it listens, and
// POCKETDOCK_TEST_RUNTIME (e.g. runsc) the OCI runtime of test containers.
// An engine that does not answer fails the whole run: it is never a skip.

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

namespace pocketdock::detail {
class EngineClient;
}

namespace pdtest {

inline constexpr const char* kTestImage = "pocketdock/minimal-shell";

[[nodiscard]] std::string engine_kind();
/// POCKETDOCK_TEST_RUNTIME: the OCI runtime test containers use ("" = the engine's default).
[[nodiscard]] std::string test_runtime();
/// The engine's socket for this run: under POCKETDOCK_TEST_RUNTIME=runsc on Podman, the socket of
/// the service whose default runtime is runsc (POCKETDOCK_TEST_PODMAN_RUNSC_SOCKET).
[[nodiscard]] std::string engine_socket();
/// The engine's main socket (POCKETDOCK_TEST_PODMAN_SOCKET / POCKETDOCK_TEST_DOCKER_SOCKET).
[[nodiscard]] std::string engine_main_socket();
[[nodiscard]] std::string unique_name(const std::string& prefix = "pdtest");

/// `pocketdock.test=true`, plus `pocketdock.test.run=$POCKETDOCK_TEST_RUN_ID` when set (the leak
/// check of one run then ignores containers of other runs going on at the same time).
[[nodiscard]] std::map<std::string, std::string> test_labels();

/// Options for a test container: the offline test image, the test label, this run's engine.
[[nodiscard]] pocketdock::CreateOptions sandbox_options();

/// Runs `sh -c` in a container through the engine's own API, bypassing our run() (used to
/// check facts such as "no such process is left" independently).
[[nodiscard]] std::string ps_output(pocketdock::Container& c);

/// A client of this run's engine that bypasses the user-facing objects (to act behind a handle's
/// back or check what the engine really holds).
[[nodiscard]] std::shared_ptr<pocketdock::detail::EngineClient> raw_engine();

/// One container shared by the tests of a suite (created on first use).
class SharedContainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static pocketdock::Container& container();

 private:
  static std::unique_ptr<pocketdock::Container> shared_;
};

}  // namespace pdtest
