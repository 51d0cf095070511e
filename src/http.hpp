#pragma once
// Small HTTP/1.1 pieces shared by the raw (upgraded) path and the engine API.

#include "unix_socket.hpp"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pocketdock::detail {

/// Percent-encodes everything but unreserved characters (RFC 3986), so "/" becomes "%2F".
[[nodiscard]] std::string url_encode(std::string_view text);

/// Builds "?k=v&k2=v2" with encoded values (empty string for no parameters).
[[nodiscard]] std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  ///< keys lower-cased
  [[nodiscard]] std::string header(const std::string& lower_name) const;
};

/// Parses a status line and headers (without the final blank line).
/// @throws SocketCommunicationError on a malformed status line.
[[nodiscard]] ResponseHead parse_response_head(std::string_view head);

/// A request written by hand on a raw connection.
[[nodiscard]] std::string format_request(std::string_view method, std::string_view target, std::string_view body,
                                         std::string_view content_type,
                                         const std::vector<std::pair<std::string, std::string>>& extra_headers);

/// Reads the response head; bytes read past it are left in `leftover`.
[[nodiscard]] ResponseHead read_response_head(UnixConnection& conn, std::string& leftover, Deadline deadline);

/// Reads a (small) response body after its head: Content-Length, chunked, or until close.
/// Stops after `limit` bytes.
[[nodiscard]] std::string read_small_body(UnixConnection& conn, const ResponseHead& head, std::string leftover,
                                          Deadline deadline, std::size_t limit = 64 * 1024);

/// Decodes a complete chunked body (used for error bodies and the fake engine).
[[nodiscard]] std::string decode_chunked(std::string_view body);

}  // namespace pocketdock::detail
