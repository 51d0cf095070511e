// Web server: publish a container port on a random 127.0.0.1 port, serve a page with busybox
// httpd inside the sandbox, and fetch it from the host with a tiny HTTP GET.
#include <pocketdock/pocketdock.hpp>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

namespace {

// GET / from 127.0.0.1:port; the response body, or nothing if the server is not answering yet.
std::optional<std::string> http_get(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) response.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  auto body = response.find("\r\n\r\n");
  if (response.rfind("HTTP/1.", 0) != 0 || body == std::string::npos) return std::nullopt;
  return response.substr(body + 4);
}

}  // namespace

int main() {
  const char* image = std::getenv("POCKETDOCK_EXAMPLE_IMAGE");
  pocketdock::CreateOptions options{.image = image != nullptr ? image : "pocketdock/minimal-shell",
                                    .mem_limit = "256m",
                                    .ports = {{.host = 0, .container = 8080}}};  // host 0: any free port
  if (std::getenv("POCKETDOCK_EXAMPLE_LABEL_TEST") != nullptr) {
    options.labels["pocketdock.test"] = "true";
    if (const char* run = std::getenv("POCKETDOCK_TEST_RUN_ID")) options.labels["pocketdock.test.run"] = run;
  }
  try {
    auto sandbox = pocketdock::create_new_container(options);
    const std::string page = "<h1>hello from the sandbox</h1>\n";
    sandbox.write_file("/home/sandbox/www/index.html", page);
    auto server = sandbox.spawn("exec busybox httpd -f -p 8080 -h /home/sandbox/www");

    // ports() maps host port -> container port, as the engine bound them.
    int host_port = 0;
    for (const auto& [host, container] : sandbox.ports()) {
      if (container == 8080) host_port = host;
    }
    if (host_port == 0) {
      fmt::print(stderr, "port 8080 is not published\n");
      return 1;
    }
    fmt::print("container port 8080 is published on 127.0.0.1:{}\n", host_port);

    std::optional<std::string> body;
    for (int attempt = 0; attempt < 50 && !body; ++attempt) {
      body = http_get(host_port);
      if (!body) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!body) {
      fmt::print(stderr, "no answer from http://127.0.0.1:{}/\n", host_port);
      return 1;
    }
    fmt::print("GET http://127.0.0.1:{}/ -> {}", host_port, *body);
    server.kill();
    return *body == page ? 0 : 1;
  } catch (const pocketdock::PocketDockError& e) {
    fmt::print(stderr, "pocketdock: {}\n", e.what());
    return 1;
  }
}
