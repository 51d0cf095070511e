#pragma once
// The raw floor: a minimal hand-written Engine API client (blocking POSIX sockets, one new
// connection per request, no pooling), doing the same calls as the library on the same socket.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct RawResponse {
  int status = 0;
  std::string body;
};

class RawClient {
 public:
  explicit RawClient(std::string socket_path) : socket_(std::move(socket_path)) {}

  /// One request on a new connection; reads Content-Length, chunked or until-close bodies.
  RawResponse request(std::string_view method, std::string_view path, std::string_view body = {},
                      std::string_view content_type = "application/json");

  /// exec create + upgraded start + read to EOF (demultiplexed, counted) + inspect.
  /// Returns the exit code; `bytes` receives the payload byte count.
  int exec(const std::string& container_id, const std::string& argv_json, std::uint64_t* bytes = nullptr);

  /// create + start + DELETE?force=true of a `sleep infinity` container.
  void create_start_remove(const std::string& image, const std::string& name);

  /// PUT /archive of an on-disk tar file, streamed from disk.
  void put_archive(const std::string& container_id, const std::string& dest_dir, const std::string& tar_path);
  /// GET /archive streamed and discarded; returns the bytes received.
  std::uint64_t get_archive(const std::string& container_id, const std::string& path);

  /// GET /archive streamed to a host file (the raw tar); returns the bytes received.
  std::uint64_t get_archive_to_file(const std::string& container_id, const std::string& path, const std::string& file);

  /// A stdin-attached `sh` exec; each round trip writes `true; echo __m` and reads up to the
  /// marker. Returns the round-trip times in ms.
  std::vector<double> shell_round_trips(const std::string& container_id, int count);

  [[nodiscard]] const std::string& socket() const { return socket_; }

 private:
  int connect_fd() const;
  /// Starts an exec with the upgrade (101); returns the hijacked fd, bytes past the head in `rest`.
  int start_upgraded(const std::string& exec_id, std::string& rest);
  std::string socket_;
};

}  // namespace bench
