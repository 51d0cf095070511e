#include <pocketdock/errors.hpp>
#include <pocketdock/profiles.hpp>

#include <algorithm>

namespace pocketdock {
namespace {

const std::vector<ProfileInfo>& table() {
  static const std::vector<ProfileInfo> profiles = {
      {"minimal-python", "pocketdock/minimal-python", "_images/minimal-python", false,
       "Lightest sandbox \u2014 Python 3, bash, busybox (~25 MB)", "~25MB"},
      {"minimal-node", "pocketdock/minimal-node", "_images/minimal-node", false,
       "Node.js sandbox \u2014 Node 22, npm, bash (~60 MB)", "~60MB"},
      {"minimal-bun", "pocketdock/minimal-bun", "_images/minimal-bun", false,
       "Bun sandbox \u2014 Bun runtime, bash (~100 MB)", "~100MB"},
      {"dev", "pocketdock/dev", "_images/dev", true,
       "Interactive dev sandbox \u2014 git, curl, vim, build tools, ipython (~250 MB)", "~250MB"},
      {"agent", "pocketdock/agent", "_images/agent", false,
       "Agent sandbox \u2014 requests, pandas, numpy, beautifulsoup4 (~350 MB)", "~350MB"},
      {"embedded", "pocketdock/embedded", "_images/embedded", true,
       "C/C++ toolchain \u2014 GCC, CMake, ARM cross-compiler, Arduino CLI (~450 MB)", "~450MB"},
      {"minimal-shell", "pocketdock/minimal-shell", "_images/minimal-shell", false,
       "Offline sandbox \u2014 static busybox and bash from the host, no registry needed (~4 MB)", "~4MB"},
  };
  return profiles;
}

}  // namespace

ProfileInfo resolve_profile(const std::string& name) {
  for (const auto& p : table()) {
    if (p.name == name) return p;
  }
  std::vector<std::string> names;
  for (const auto& p : table()) names.push_back(p.name);
  std::sort(names.begin(), names.end());
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw InvalidArgument("Unknown profile '" + name + "'. Known profiles: " + known);
}

std::vector<ProfileInfo> list_profiles() { return table(); }

}  // namespace pocketdock
