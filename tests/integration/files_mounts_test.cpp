// The file methods' tmpfs check reads /proc/mounts once per container: a reboot reads it again.
#include "support/engines.hpp"

#include <pocketdock/pocketdock.hpp>

#include <gtest/gtest.h>

#include <filesystem>

namespace {

TEST(FilesMounts, TmpfsCheckStillWorksAfterBothReboots) {
  auto c = pocketdock::create_new_container(pdtest::sandbox_options());
  auto host = std::filesystem::temp_directory_path() / pdtest::unique_name("mounts");
  for (bool fresh : {false, true}) {
    // On the tmpfs mount: trees are refused, single files go through sh/cat.
    EXPECT_THROW(c.pull("/dev/shm", host), pocketdock::InvalidArgument);
    c.write_file("/dev/shm/x.txt", "shm");
    EXPECT_EQ(c.read_file("/dev/shm/x.txt"), "shm");
    c.write_file("/tmp/x.txt", "x");
    EXPECT_EQ(c.read_file("/tmp/x.txt"), "x");
    c.reboot(fresh);
  }
  EXPECT_THROW(c.pull("/dev/shm", host), pocketdock::InvalidArgument);
  c.write_file("/tmp/y.txt", "y");
  EXPECT_EQ(c.read_file("/tmp/y.txt"), "y");
  EXPECT_THROW((void)c.read_file("/tmp/x.txt"), pocketdock::PocketDockError) << "a fresh reboot is a new container";
  std::filesystem::remove_all(host);
}

}  // namespace
