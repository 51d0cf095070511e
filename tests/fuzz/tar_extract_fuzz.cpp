// Fuzz target: the tar reader with safe extraction. Every input is extracted into a fresh
// `<base>/w/tmp/dest`; afterwards `w` must hold only `tmp`, `tmp` only `dest`, and no symlink in
// `dest` may resolve outside it. Anything else aborts.
#include "fuzz_input.hpp"
#include "safe_extract.hpp"
#include "tar_reader.hpp"

#include <pocketdock/errors.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace {

// Removes a tree whatever its modes (an archive may leave directories at mode 0).
void remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    ::chmod(path.c_str(), 0700);
    if (DIR* d = ::opendir(path.c_str())) {
      std::vector<std::string> names;
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") names.push_back(n);
      }
      ::closedir(d);
      for (const auto& n : names) remove_tree(path + "/" + n);
    }
    ::rmdir(path.c_str());
  } else {
    ::unlink(path.c_str());
  }
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  return out;
}

[[noreturn]] void violation(const std::string& what) {
  std::fprintf(stderr, "safe extraction violated: %s\n", what.c_str());
  std::abort();
}

// Every symlink under `dir` (not following any) must resolve inside `dest`.
void check_links(const fs::path& dir, const fs::path& dest) {
  ::chmod(dir.c_str(), 0700);  // a mode-0 directory must still be searched
  for (const auto& name : names_in(dir)) {
    fs::path p = dir / name;
    std::error_code ec;
    auto st = fs::symlink_status(p, ec);
    if (fs::is_directory(st)) {
      check_links(p, dest);
    } else if (fs::is_symlink(st)) {
      fs::path resolved = fs::weakly_canonical(p, ec);
      if (ec) continue;  // a loop resolves nowhere
      auto rel = resolved.lexically_relative(dest);
      if (rel.empty() || *rel.begin() == "..") violation(p.string() + " -> " + resolved.string());
    }
  }
}

const std::string& base_dir() {
  static const std::string base = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/pdfuzz-tar-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    std::string made = fs::canonical(tmpl).string();
    std::atexit([] { remove_tree(base_dir()); });
    return made;
  }();
  return base;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto input = pdfuzz::take_control(data, size);
  const std::string w = base_dir() + "/w";
  const std::string tmp = w + "/tmp";
  const fs::path dest = tmp + "/dest";
  remove_tree(w);
  if (::mkdir(w.c_str(), 0700) != 0 || ::mkdir(tmp.c_str(), 0700) != 0 || ::mkdir(dest.c_str(), 0700) != 0) {
    std::abort();
  }
  // As pull does: the archive's top entry renamed, dropped, or a single file.
  unsigned mode = input.control % 3U;
  std::string top = mode == 0 ? std::string() : (mode == 1 ? "top" : "file");
  auto pieces = pdfuzz::split(input.bytes, static_cast<std::uint8_t>(input.control | 0xF0U));
  std::size_t next = 0;
  try {
    pocketdock::detail::TarReader reader(
        [&]() -> std::string_view { return next < pieces.size() ? pieces[next++] : std::string_view(); });
    pocketdock::detail::SafeExtractor extractor(dest, top, mode == 2);
    pocketdock::detail::TarEntry entry;
    while (reader.next(entry)) extractor.extract(reader, entry);
    extractor.finish();
  } catch (const pocketdock::PocketDockError&) {
    // Malformed or unsafe archives are errors; what was extracted is still checked.
  }
  if (names_in(w) != std::vector<std::string>{"tmp"}) violation("something was created beside tmp");
  if (names_in(tmp) != std::vector<std::string>{"dest"}) violation("something was created beside dest");
  struct stat st {};
  if (::lstat(dest.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) violation("dest is no longer a directory");
  check_links(dest, dest);
  remove_tree(w);
  return 0;
}
