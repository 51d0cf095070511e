#include "http.hpp"

#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pocketdock::detail {

std::string url_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3);
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    out += out.empty() ? '?' : '&';
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

std::string ResponseHead::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

ResponseHead parse_response_head(std::string_view head) {
  ResponseHead r;
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  if (status_line.empty()) throw SocketCommunicationError("empty response");
  auto sp1 = status_line.find(' ');
  if (sp1 == std::string_view::npos || status_line.substr(0, 5) != "HTTP/") {
    throw SocketCommunicationError(fmt::format("malformed status line: {:?}", std::string(status_line)));
  }
  auto rest = status_line.substr(sp1 + 1);
  auto sp2 = rest.find(' ');
  auto code = rest.substr(0, sp2);
  auto [ptr, ec] = std::from_chars(code.data(), code.data() + code.size(), r.status);
  if (ec != std::errc() || ptr != code.data() + code.size() || code.size() != 3) {
    throw SocketCommunicationError(fmt::format("malformed status line: {:?}", std::string(status_line)));
  }
  if (sp2 != std::string_view::npos) r.reason = std::string(rest.substr(sp2 + 1));
  std::string_view lines = line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!lines.empty()) {
    auto e = lines.find("\r\n");
    std::string_view line = lines.substr(0, e);
    lines = e == std::string_view::npos ? std::string_view() : lines.substr(e + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string key(line.substr(0, colon));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    r.headers[key] = std::string(value);
  }
  return r;
}

std::string format_request(std::string_view method, std::string_view target, std::string_view body,
                           std::string_view content_type,
                           const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string req = fmt::format("{} {} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: pocketdock-cpp\r\n", method, target);
  for (const auto& [k, v] : extra_headers) req += fmt::format("{}: {}\r\n", k, v);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req += fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n",
                       content_type.empty() ? std::string_view("application/json") : content_type, body.size());
  }
  req += "\r\n";
  req += body;
  return req;
}

ResponseHead read_response_head(UnixConnection& conn, std::string& leftover, Deadline deadline) {
  std::string buf = std::move(leftover);
  leftover.clear();
  char tmp[4096];
  for (;;) {
    auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      ResponseHead head = parse_response_head(std::string_view(buf).substr(0, end));
      leftover = buf.substr(end + 4);
      return head;
    }
    if (buf.size() > 64 * 1024) throw SocketCommunicationError("response head larger than 64 KiB");
    std::size_t n = conn.read_some(tmp, sizeof tmp, deadline);
    if (n == 0) {
      if (buf.empty()) throw SocketCommunicationError("empty response (engine closed the connection)");
      throw SocketCommunicationError("connection closed inside the response head");
    }
    buf.append(tmp, n);
  }
}

std::string decode_chunked(std::string_view body) {
  std::string out;
  while (!body.empty()) {
    auto e = body.find("\r\n");
    if (e == std::string_view::npos) break;
    auto size_text = body.substr(0, e);
    body.remove_prefix(e + 2);
    if (size_text.empty()) continue;
    std::size_t size = 0;
    auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc()) break;
    if (size == 0) break;
    out += body.substr(0, size);
    body.remove_prefix(std::min(body.size(), size));
    if (body.substr(0, 2) == "\r\n") body.remove_prefix(2);
  }
  return out;
}

std::string read_small_body(UnixConnection& conn, const ResponseHead& head, std::string leftover, Deadline deadline,
                            std::size_t limit) {
  std::string body = std::move(leftover);
  bool chunked = head.header("transfer-encoding").find("chunked") != std::string::npos;
  std::string cl = head.header("content-length");
  std::size_t want = std::string::npos;
  if (!cl.empty()) std::from_chars(cl.data(), cl.data() + cl.size(), want);
  char tmp[4096];
  while (body.size() < limit && body.size() < want) {
    if (chunked && body.find("\r\n0\r\n") != std::string::npos) break;
    if (chunked && body.rfind("0\r\n", 0) == 0) break;
    std::size_t n = 0;
    try {
      n = conn.read_some(tmp, sizeof tmp, deadline);
    } catch (const TimeoutError&) {
      break;  // an error body that never ends still yields what arrived
    }
    if (n == 0) break;
    body.append(tmp, n);
  }
  if (chunked) body = decode_chunked(body);
  if (want != std::string::npos && body.size() > want) body.resize(want);
  return body;
}

}  // namespace pocketdock::detail
