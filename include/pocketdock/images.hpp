#pragma once
/// @file images.hpp
/// Image building (`POST /build`), export (`GET /images/get`) and import (`POST /images/load`).

#include <pocketdock/errors.hpp>
#include <pocketdock/options.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pocketdock {

/// Options of `build_image`.
struct BuildOptions {
  /// The image name to give the result; empty means the profile's `image_tag` (required when
  /// building a directory).
  std::string tag;
  /// Called with each line of build output as the engine sends it (without the newline).
  std::function<void(std::string_view line)> on_progress;
  /// Deadline of the whole build, which also bounds any silence of the engine.
  std::chrono::milliseconds timeout = 60min;
  EngineOptions engine;
};

/// The directory holding a profile's Dockerfile, the first that exists of:
/// `$POCKETDOCK_IMAGES_DIR/<name>`; `<program dir>/../share/pocketdock/images/<name>` (an installed
/// tree, even moved); the configured `<datadir>/pocketdock/images/<name>`; the source tree's
/// `images/<name>` (a build that is not installed). std::nullopt if none exists.
/// @throws InvalidArgument for an unknown profile.
[[nodiscard]] std::optional<std::filesystem::path> find_profile_dir(const std::string& profile);

/// Builds an image from a profile name (its Dockerfile directory, see `find_profile_dir`) or from
/// a directory holding a Dockerfile. The `minimal-shell` profile's context is made from the
/// host's static busybox and bash, so it builds with no registry. Returns the image id.
/// @throws InvalidArgument (unknown profile, no such directory, missing tag), FileNotFound (host
///         binaries for minimal-shell are missing: names the Debian packages), BuildError (the
///         engine's message when a step fails), PodmanNotRunning, SocketError, TimeoutError.
std::string build_image(const std::string& profile_or_dir, const BuildOptions& options = {});

/// Writes ONE archive holding every image in `images` to `file` (gzip-compressed when its name
/// ends in `.gz`). Streams: memory does not grow with image size. The file is replaced only
/// when the export succeeded.
/// @throws InvalidArgument (no images), ImageNotFound, PocketDockError (file not writable),
///         SocketError, TimeoutError.
void export_images(const std::vector<std::string>& images, const std::filesystem::path& file,
                   const EngineOptions& engine = {});

/// Loads every image of an archive made by `export_images` (or `docker save`/`podman save`);
/// gzip input is recognised by its content. Returns the loaded image names as a user writes
/// them (`pocketdock/minimal-shell:latest`, without Podman's `docker.io/` or `localhost/`).
/// @throws FileNotFound (no such file), PocketDockError (engine rejected the archive),
///         SocketError, TimeoutError.
std::vector<std::string> import_images(const std::filesystem::path& file, const EngineOptions& engine = {});

/// Removes an image by name or id. Returns false if there was no such image.
/// @throws PocketDockError when the engine refuses (e.g. the image is in use and not `force`).
bool remove_image(const std::string& image, bool force = false, const EngineOptions& engine = {});

/// True if the engine has an image of this name or id.
[[nodiscard]] bool image_exists(const std::string& image, const EngineOptions& engine = {});

/// An image name as a user writes it: strips Podman's `docker.io/library/`, `docker.io/` and
/// `localhost/` prefixes.
[[nodiscard]] std::string normalize_image_name(std::string_view name);

}  // namespace pocketdock
