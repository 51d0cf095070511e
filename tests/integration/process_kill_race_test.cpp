// kill() right after spawn(): the engine may not have started the command yet (seen on Docker).
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace {

class ProcessKillRace : public pdtest::SharedContainerTest {};

TEST_F(ProcessKillRace, KillRightAfterSpawnEndsTheProcess) {
  for (int i = 0; i < 10; ++i) {
    auto p = container().spawn("sleep 600");
    p.kill(9);
    auto r = p.wait(10s);
    EXPECT_EQ(r.exit_code, 137) << "attempt " << i;
  }
  EXPECT_THAT(pdtest::ps_output(container()), ::testing::Not(::testing::HasSubstr("sleep 600")));
}

}  // namespace
