#include "body_writer.hpp"

#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pocketdock::detail {
namespace {

/// Each piece of a large write gets its own idle deadline.
constexpr std::uint64_t kPiece = 1024 * 1024;
constexpr char kZeros[64 * 1024] = {};

}  // namespace

BodyWriter::BodyWriter(UnixConnection& conn, std::optional<std::uint64_t> length,
                       std::chrono::milliseconds idle_timeout)
    : conn_(conn), length_(length), idle_timeout_(idle_timeout) {}

void BodyWriter::claim(std::uint64_t count) {
  if (length_ && count > *length_ - written_) {
    throw PocketDockError(
        fmt::format("upload body longer than its announced {} bytes (at {}, {} more)", *length_, written_, count));
  }
}

void BodyWriter::write(std::string_view data) {
  if (data.empty()) return;
  claim(data.size());
  if (!length_) conn_.write_all(fmt::format("{:x}\r\n", data.size()), deadline_after(idle_timeout_));
  while (!data.empty()) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(data.size(), kPiece));
    conn_.write_all(data.substr(0, n), deadline_after(idle_timeout_));
    data.remove_prefix(n);
    written_ += n;
  }
  if (!length_) conn_.write_all("\r\n", deadline_after(idle_timeout_));
}

void BodyWriter::write_zeros(std::uint64_t count) {
  while (count > 0) {
    auto n = static_cast<std::size_t>(std::min<std::uint64_t>(count, sizeof kZeros));
    write(std::string_view(kZeros, n));
    count -= n;
  }
}

std::uint64_t BodyWriter::write_file(int fd, std::uint64_t offset, std::uint64_t count) {
  if (!length_) throw PocketDockError("a file can only be sent in a body of announced length");
  claim(count);
  std::uint64_t sent = 0;
  while (sent < count) {
    auto want = static_cast<std::size_t>(std::min(count - sent, kPiece));
    std::size_t n = conn_.send_file(fd, static_cast<off_t>(offset + sent), want, deadline_after(idle_timeout_));
    sent += n;
    written_ += n;
    if (n < want) break;  // the file ended early
  }
  return sent;
}

void BodyWriter::finish() {
  if (!length_) {
    conn_.write_all("0\r\n\r\n", deadline_after(idle_timeout_));
  } else if (written_ != *length_) {
    throw PocketDockError(fmt::format("upload body ended after {} of its announced {} bytes", written_, *length_));
  }
}

}  // namespace pocketdock::detail
