#include "raw_client.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace bench {
namespace {

void write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("raw write failed");
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string head_of(std::string_view method, std::string_view path, std::size_t body_len, std::string_view ct,
                    std::string_view extra) {
  std::string r = std::string(method) + " /v1.41" + std::string(path) + " HTTP/1.1\r\nHost: localhost\r\n";
  r += extra;
  if (body_len > 0 || method == "POST" || method == "PUT") {
    r += "Content-Type: " + std::string(ct) + "\r\nContent-Length: " + std::to_string(body_len) + "\r\n";
  }
  if (extra.find("Upgrade") == std::string_view::npos) r += "Connection: close\r\n";
  r += "\r\n";
  return r;
}

// Reads the head; returns status and leaves surplus bytes in `rest`.
int read_head(int fd, std::string& rest, std::string* headers = nullptr) {
  std::string buf;
  char tmp[8192];
  for (;;) {
    auto end = buf.find("\r\n\r\n");
    if (end != std::string::npos) {
      if (headers != nullptr) *headers = buf.substr(0, end);
      rest = buf.substr(end + 4);
      return std::stoi(buf.substr(9, 3));
    }
    ssize_t n = ::read(fd, tmp, sizeof tmp);
    if (n <= 0) throw std::runtime_error("raw read of head failed");
    buf.append(tmp, static_cast<std::size_t>(n));
  }
}

std::string extract_id(const std::string& body) {
  auto p = body.find("\"Id\":\"");
  if (p == std::string::npos) throw std::runtime_error("no Id in " + body);
  p += 6;
  return body.substr(p, body.find('"', p) - p);
}

}  // namespace

int RawClient::connect_fd() const {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_.c_str(), socket_.size() + 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("raw connect failed");
  }
  return fd;
}

RawResponse RawClient::request(std::string_view method, std::string_view path, std::string_view body,
                               std::string_view content_type) {
  int fd = connect_fd();
  write_all(fd, head_of(method, path, body.size(), content_type, "") + std::string(body));
  std::string rest;
  std::string headers;
  RawResponse r;
  r.status = read_head(fd, rest, &headers);
  char tmp[65536];
  for (ssize_t n; (n = ::read(fd, tmp, sizeof tmp)) > 0;) rest.append(tmp, static_cast<std::size_t>(n));
  ::close(fd);
  if (headers.find("chunked") != std::string::npos) {
    std::string out;
    std::size_t pos = 0;
    while (pos < rest.size()) {
      auto e = rest.find("\r\n", pos);
      if (e == std::string::npos) break;
      std::size_t len = std::stoul(rest.substr(pos, e - pos), nullptr, 16);
      if (len == 0) break;
      out += rest.substr(e + 2, len);
      pos = e + 2 + len + 2;
    }
    rest = out;
  }
  r.body = std::move(rest);
  return r;
}

int RawClient::start_upgraded(const std::string& exec_id, std::string& rest) {
  int fd = connect_fd();
  std::string body = R"({"Detach":false,"Tty":false})";
  write_all(fd, head_of("POST", "/exec/" + exec_id + "/start", body.size(), "application/json",
                        "Connection: Upgrade\r\nUpgrade: tcp\r\n") +
                    body);
  (void)read_head(fd, rest);
  return fd;
}

int RawClient::exec(const std::string& container_id, const std::string& argv_json, std::uint64_t* bytes) {
  auto created =
      request("POST", "/containers/" + container_id + "/exec",
              R"({"AttachStdin":false,"AttachStdout":true,"AttachStderr":true,"Tty":false,"Cmd":)" + argv_json + "}");
  std::string id = extract_id(created.body);
  std::string rest;
  int fd = start_upgraded(id, rest);
  // Demultiplex: count payload bytes, as a consumer would.
  std::uint64_t payload = 0;
  std::uint64_t frame_left = 0;
  unsigned char header[8];
  std::size_t header_len = 0;
  auto consume = [&](const char* p, std::size_t n) {
    while (n > 0) {
      if (frame_left == 0) {
        std::size_t take = std::min<std::size_t>(8 - header_len, n);
        std::memcpy(header + header_len, p, take);
        header_len += take;
        p += take;
        n -= take;
        if (header_len == 8) {
          frame_left = (std::uint64_t{header[4]} << 24) | (std::uint64_t{header[5]} << 16) |
                       (std::uint64_t{header[6]} << 8) | header[7];
          header_len = 0;
        }
        continue;
      }
      std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(frame_left, n));
      payload += take;
      frame_left -= take;
      p += take;
      n -= take;
    }
  };
  consume(rest.data(), rest.size());
  static thread_local char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) consume(buf, static_cast<std::size_t>(n));
  ::close(fd);
  if (bytes != nullptr) *bytes = payload;
  auto inspect = request("GET", "/exec/" + id + "/json");
  auto p = inspect.body.find("\"ExitCode\":");
  return p == std::string::npos ? -1 : std::atoi(inspect.body.c_str() + p + 11);
}

void RawClient::create_start_remove(const std::string& image, const std::string& name) {
  auto created =
      request("POST", "/containers/create?name=" + name,
              R"({"Image":")" + image +
                  R"(","Cmd":["sleep","infinity"],"Labels":{"pocketdock.test":"true"},"HostConfig":{"Init":true}})");
  if (created.status != 201) throw std::runtime_error("raw create failed: " + created.body);
  std::string id = extract_id(created.body);
  (void)request("POST", "/containers/" + id + "/start");
  (void)request("DELETE", "/containers/" + id + "?force=true");
}

void RawClient::put_archive(const std::string& container_id, const std::string& dest_dir, const std::string& tar_path) {
  int file = ::open(tar_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file < 0) throw std::runtime_error("cannot open " + tar_path);
  off_t size = ::lseek(file, 0, SEEK_END);
  ::lseek(file, 0, SEEK_SET);
  int fd = connect_fd();
  write_all(fd, head_of("PUT", "/containers/" + container_id + "/archive?path=" + dest_dir,
                        static_cast<std::size_t>(size), "application/x-tar", ""));
  static thread_local char buf[1 << 16];
  for (ssize_t n; (n = ::read(file, buf, sizeof buf)) > 0;)
    write_all(fd, std::string_view(buf, static_cast<std::size_t>(n)));
  ::close(file);
  std::string rest;
  int status = read_head(fd, rest);
  ::close(fd);
  if (status != 200) throw std::runtime_error("raw put failed: " + std::to_string(status));
}

std::uint64_t RawClient::get_archive(const std::string& container_id, const std::string& path) {
  int fd = connect_fd();
  write_all(fd, head_of("GET", "/containers/" + container_id + "/archive?path=" + path, 0, "", ""));
  std::string rest;
  int status = read_head(fd, rest);
  if (status != 200) throw std::runtime_error("raw get failed: " + std::to_string(status));
  std::uint64_t total = rest.size();
  static thread_local char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) total += static_cast<std::uint64_t>(n);
  ::close(fd);
  return total;
}

std::uint64_t RawClient::get_archive_to_file(const std::string& container_id, const std::string& path,
                                             const std::string& file) {
  int out = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) throw std::runtime_error("cannot create " + file);
  int fd = connect_fd();
  write_all(fd, head_of("GET", "/containers/" + container_id + "/archive?path=" + path, 0, "", ""));
  std::string rest;
  int status = read_head(fd, rest);
  if (status != 200) throw std::runtime_error("raw get failed: " + std::to_string(status));
  std::uint64_t total = rest.size();
  if (!rest.empty() && ::write(out, rest.data(), rest.size()) < 0) throw std::runtime_error("write failed");
  static thread_local char buf[1 << 16];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
    total += static_cast<std::uint64_t>(n);
    if (::write(out, buf, static_cast<std::size_t>(n)) != n) throw std::runtime_error("write failed");
  }
  ::close(fd);
  ::close(out);
  return total;
}

std::vector<double> RawClient::shell_round_trips(const std::string& container_id, int count) {
  auto created = request("POST", "/containers/" + container_id + "/exec",
                         R"({"AttachStdin":true,"AttachStdout":true,"AttachStderr":true,"Tty":false,"Cmd":["sh"]})");
  std::string id = extract_id(created.body);
  std::string rest;
  int fd = start_upgraded(id, rest);
  std::vector<double> times;
  char buf[4096];
  for (int i = 0; i < count; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    write_all(fd, "true; echo __m\n");
    // Frames: 8-byte header + payload; wait until the payload "__m\n" has arrived.
    while (rest.find("__m\n") == std::string::npos) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("shell ended");
      rest.append(buf, static_cast<std::size_t>(n));
    }
    rest.clear();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  return times;
}

}  // namespace bench
