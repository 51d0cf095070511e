// The file methods' tmpfs check reads /proc/mounts once per container: a reboot reads it again.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

namespace {

TEST(FilesMounts, TmpfsCheckStillWorksAfterBothReboots) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  for (bool fresh : {false, true}) {
    EXPECT_THROW(c.write_file("/dev/shm/x.txt", "x"), pocketdock::InvalidArgument);
    c.write_file("/tmp/x.txt", "x");
    EXPECT_EQ(c.read_file("/tmp/x.txt"), "x");
    c.reboot(fresh);
  }
  EXPECT_THROW(c.write_file("/dev/shm/x.txt", "x"), pocketdock::InvalidArgument);
  c.write_file("/tmp/y.txt", "y");
  EXPECT_EQ(c.read_file("/tmp/y.txt"), "y");
  EXPECT_THROW((void)c.read_file("/tmp/x.txt"), pocketdock::PocketDockError) << "a fresh reboot is a new container";
}

}  // namespace
