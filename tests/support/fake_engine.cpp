#include "fake_engine.hpp"

#include "http.hpp"

#include <fmt/format.h>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace pdtest {

using pocketdock::detail::UnixConnection;

std::string frame(std::uint8_t type, const std::string& payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(type);
  auto n = static_cast<std::uint32_t>(payload.size());
  out[4] = static_cast<char>((n >> 24) & 0xFF);
  out[5] = static_cast<char>((n >> 16) & 0xFF);
  out[6] = static_cast<char>((n >> 8) & 0xFF);
  out[7] = static_cast<char>(n & 0xFF);
  return out + payload;
}

std::optional<ShellScript> ShellScriptParser::next() {
  static constexpr std::size_t kDigits = 32;
  static constexpr std::string_view kBegin = "__pd_b ";
  static constexpr std::string_view kSend = "__pd_r ";
  static constexpr std::string_view kExport = "export POCKETDOCK_SESSION_CMD=";
  static constexpr std::string_view kBody = "{\n";
  static constexpr std::string_view kBodyEnd = "\n} </dev/null";
  std::string_view in = input_;
  for (;;) {
    std::size_t eol = in.find('\n');
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view line = in.substr(0, eol + 1);
    if (line.starts_with(kBegin) || line.starts_with(kSend)) {
      std::size_t size = std::stoul(std::string(line.substr(kBegin.size())));
      if (in.size() < line.size() + size) return std::nullopt;
      std::string payload(in.substr(line.size(), size));
      ShellScript script{.bash_form = true};
      if (line.starts_with(kBegin)) {
        script.nonce = payload.substr(0, kDigits);
        script.kill_token = payload.substr(kDigits, kDigits);
        script.command = payload.substr(2 * kDigits);
      } else {
        script.command = payload;
      }
      input_.erase(0, line.size() + size);
      return script;
    }
    if (line.starts_with(kExport)) {
      // The stderr end marker, the script's last bytes, carries the nonce of its start marker.
      std::size_t at = in.find("PDS");
      if (at == std::string_view::npos || in.size() < at + 3 + kDigits) return std::nullopt;
      ShellScript script;
      script.nonce = std::string(in.substr(at + 3, kDigits));
      std::string tail = "PDE" + script.nonce + "\\036' >&2\n";
      std::size_t end = in.find(tail);
      if (end == std::string_view::npos) return std::nullopt;
      std::string_view whole = in.substr(0, end + tail.size());
      script.kill_token = std::string(line.substr(kExport.size(), line.find(';') - kExport.size()));
      std::size_t body = whole.find(kBody) + kBody.size();
      script.command = std::string(whole.substr(body, whole.rfind(kBodyEnd) - body));
      input_.erase(0, whole.size());
      return script;
    }
    if (line == kBody) {
      std::size_t end = in.find(std::string(kBodyEnd) + "\n");
      if (end == std::string_view::npos) return std::nullopt;
      ShellScript script{.command = std::string(in.substr(kBody.size(), end - kBody.size()))};
      input_.erase(0, end + kBodyEnd.size() + 1);
      return script;
    }
    // A line of the bash prelude.
    input_.erase(0, line.size());
    in = input_;
  }
}

std::string http_response(int status, const std::string& body, const std::string& content_type) {
  return fmt::format("HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n{}", status, content_type,
                     body.size(), body);
}

void serve_container(FakeEngine& engine) {
  engine.on("POST", "/containers/create", FakeEngine::json(201, R"({"Id":"abc123abc123abc123","Warnings":[]})"));
  engine.on("POST", "/start", FakeEngine::empty(204));
  engine.on("DELETE", "/containers/", FakeEngine::empty(204));
  engine.on("POST", "/stop", FakeEngine::empty(204));
  // Read after start for the runtime: compat inspect (Docker) or libpod inspect (Podman).
  engine.on(
      "GET", "/containers/abc123abc123abc123/json",
      FakeEngine::json(200, R"({"Id":"abc123abc123abc123","HostConfig":{"Runtime":"runc"},"OCIRuntime":"runc"})"));
}

pocketdock::CreateOptions fake_container_options(const FakeEngine& engine, const std::string& name,
                                                 std::chrono::milliseconds api_timeout) {
  return {.image = "img", .name = name, .engine = {.socket = engine.socket_path(), .api_timeout = api_timeout}};
}

FakeEngine::FakeEngine(bool podman) : podman_(podman) {
  char tmpl[] = "/tmp/pdfake-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  socket_path_ = dir_ + "/engine.sock";
  start_listening();
  on("GET", "/_ping", [this](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    std::string extra =
        podman_ ? "Libpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\n" : "Server: Docker/20.10.24\r\n";
    c.write_all("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n" + extra + "Content-Length: 2\r\n\r\nOK",
                pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return true;
  });
}

void FakeEngine::start_listening() {
  ::unlink(socket_path_.c_str());
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    throw std::runtime_error(std::string("fake engine bind: ") + std::strerror(errno));
  }
  stop_accepting_ = false;
  acceptor_ = std::thread([this] { accept_loop(); });
}

void FakeEngine::stop_listening() {
  stop_accepting_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  std::lock_guard lock(mutex_);
  for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
}

void FakeEngine::listen_again() { start_listening(); }

FakeEngine::~FakeEngine() {
  stop_ = true;
  stop_accepting_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  {
    std::lock_guard lock(mutex_);
    for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : workers_) t.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::unlink(socket_path_.c_str());
  std::string cmd = "rm -rf '" + dir_ + "'";
  (void)std::system(cmd.c_str());
}

void FakeEngine::on(const std::string& method, const std::string& path_part, FakeHandler handler) {
  std::lock_guard lock(mutex_);
  routes_.insert(routes_.begin(), {{method, path_part}, std::move(handler)});
}

std::vector<FakeRequest> FakeEngine::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

void FakeEngine::wait_until_stopped() const {
  while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
}

void FakeEngine::accept_loop() {
  while (!stop_accepting_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    client_fds_.push_back(fd);
    workers_.emplace_back([this, fd] { serve(fd); });
  }
}

void FakeEngine::serve(int fd) {
  UnixConnection conn(fd);
  std::string buf;
  char tmp[65536];
  auto deadline = [] { return pocketdock::detail::deadline_after(std::chrono::seconds(30)); };
  try {
    while (!stop_) {
      auto end = buf.find("\r\n\r\n");
      if (end == std::string::npos) {
        std::size_t n = conn.read_some(tmp, sizeof tmp, deadline());
        if (n == 0) break;
        buf.append(tmp, n);
        continue;
      }
      FakeRequest req;
      std::string head = buf.substr(0, end);
      buf.erase(0, end + 4);
      auto line_end = head.find("\r\n");
      std::string first = head.substr(0, line_end);
      auto sp1 = first.find(' ');
      auto sp2 = first.find(' ', sp1 + 1);
      req.method = first.substr(0, sp1);
      req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
      auto parsed = pocketdock::detail::parse_response_head(
          "HTTP/1.1 200 OK\r\n" + (line_end == std::string::npos ? "" : head.substr(line_end + 2)));
      req.headers = parsed.headers;
      if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
        std::size_t len = std::stoul(it->second);
        while (buf.size() < len) {
          std::size_t n = conn.read_some(tmp, sizeof tmp, deadline());
          if (n == 0) break;
          buf.append(tmp, n);
        }
        req.body = buf.substr(0, len);
        buf.erase(0, std::min(len, buf.size()));
      } else if (req.headers["transfer-encoding"].find("chunked") != std::string::npos) {
        while (buf.find("\r\n0\r\n\r\n") == std::string::npos && buf.rfind("0\r\n\r\n", 0) != 0) {
          std::size_t n = conn.read_some(tmp, sizeof tmp, deadline());
          if (n == 0) break;
          buf.append(tmp, n);
        }
        auto stop =
            buf.find("0\r\n\r\n", buf.rfind("\r\n0\r\n\r\n") == std::string::npos ? 0 : buf.rfind("\r\n0\r\n\r\n") + 2);
        req.body = pocketdock::detail::decode_chunked(buf.substr(0, stop + 5));
        buf.erase(0, stop + 5);
      }
      std::string path = req.target.substr(0, req.target.find('?'));
      FakeHandler handler;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
        for (auto& [key, h] : routes_) {
          if (key.first == req.method && path.find(key.second) != std::string::npos) {
            handler = h;
            break;
          }
        }
      }
      bool keep =
          handler
              ? handler(req, conn, *this)
              : (conn.write_all(http_response(404, R"({"message":"fake engine: no such route"})"), deadline()), true);
      if (!keep) break;
    }
  } catch (...) {
    // A client that went away ends its connection.
  }
  // Forgotten before it is closed: its number may be reused by anyone afterwards.
  {
    std::lock_guard lock(mutex_);
    client_fds_.erase(std::remove(client_fds_.begin(), client_fds_.end(), fd), client_fds_.end());
  }
  conn.close();
}

FakeHandler FakeEngine::json(int status, std::string body) {
  return [status, body = std::move(body)](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    c.write_all(http_response(status, body), pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return true;
  };
}

FakeHandler FakeEngine::empty(int status) {
  return [status](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    c.write_all(fmt::format("HTTP/1.1 {} X\r\nContent-Length: 0\r\n\r\n", status),
                pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return true;
  };
}

FakeHandler FakeEngine::silent() {
  return [](const FakeRequest&, UnixConnection&, FakeEngine& e) {
    e.wait_until_stopped();
    return false;
  };
}

FakeHandler FakeEngine::raw(std::string bytes) {
  return [bytes = std::move(bytes)](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    c.write_all(bytes, pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return false;
  };
}

FakeHandler FakeEngine::upgrade(std::string stream) {
  return [stream = std::move(stream)](const FakeRequest&, UnixConnection& c, FakeEngine&) {
    c.write_all(
        "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\n"
        "Upgrade: tcp\r\n\r\n" +
            stream,
        pocketdock::detail::deadline_after(std::chrono::seconds(5)));
    return false;
  };
}

FakeHandler FakeEngine::once(FakeHandler first, FakeHandler then) {
  auto used = std::make_shared<std::atomic<bool>>(false);
  return
      [used, first = std::move(first), then = std::move(then)](const FakeRequest& r, UnixConnection& c, FakeEngine& e) {
        return used->exchange(true) ? then(r, c, e) : first(r, c, e);
      };
}

FakeHandler FakeEngine::trickle(std::string bytes, std::chrono::milliseconds gap) {
  return [bytes = std::move(bytes), gap](const FakeRequest&, UnixConnection& c, FakeEngine& e) {
    for (char b : bytes) {
      if (e.stopping()) break;
      c.write_all(std::string_view(&b, 1), pocketdock::detail::deadline_after(std::chrono::seconds(5)));
      std::this_thread::sleep_for(gap);
    }
    return false;
  };
}

}  // namespace pdtest
