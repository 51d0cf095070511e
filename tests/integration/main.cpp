// Entry point of the real-engine tests: the run fails (never skips) when the engine is absent.
#include "support/engines.hpp"

#include <cstdio>

namespace pdtest {
namespace {

// Fails the run (not a skip) when the engine under test does not answer.
class EngineEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto kind = engine_kind();
    ASSERT_TRUE(kind == "podman" || kind == "docker") << "POCKETDOCK_TEST_ENGINE must be podman or docker";
    try {
      auto info = pocketdock::discover_engine({.socket = engine_socket()});
      ASSERT_EQ(pocketdock::to_string(info.kind), kind) << "the socket " << engine_socket() << " is not " << kind;
      std::printf("[ engine   ] %s at %s (API %s)\n", kind.c_str(), engine_socket().c_str(), info.api_version.c_str());
    } catch (const std::exception& e) {
      FAIL() << "engine " << kind << " does not answer at " << engine_socket() << ": " << e.what()
             << "\nStart both engines with scripts/engines.sh start.";
    }
  }
};

}  // namespace

}  // namespace pdtest

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pdtest::EngineEnvironment);  // gtest owns it
  return RUN_ALL_TESTS();
}
