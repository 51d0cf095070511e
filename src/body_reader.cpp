#include "body_reader.hpp"

#include <pocketdock/errors.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace pocketdock::detail {
namespace {

constexpr std::size_t kBufferBytes = 256 * 1024;
constexpr std::size_t kMaxLine = 4096;
constexpr std::string_view kCutBody = "the engine closed the connection inside the body";

}  // namespace

BodyReader::BodyReader(UnixConnection conn, const ResponseHead& head, std::string leftover,
                       std::chrono::milliseconds idle_timeout, std::string what)
    : conn_(std::move(conn)),
      idle_timeout_(idle_timeout),
      what_(std::move(what)),
      buffer_(std::make_unique<char[]>(kBufferBytes)) {
  if (leftover.size() > kBufferBytes) fail("response head overran the body buffer");
  std::memcpy(buffer_.get(), leftover.data(), leftover.size());
  end_ = leftover.size();
  std::string te = head.header("transfer-encoding");
  std::string cl = head.header("content-length");
  if (te.find("chunked") != std::string::npos) {
    framing_ = Framing::chunked;
  } else if (!cl.empty()) {
    framing_ = Framing::length;
    auto [p, ec] = std::from_chars(cl.data(), cl.data() + cl.size(), remaining_);
    if (ec != std::errc() || p != cl.data() + cl.size()) fail("invalid Content-Length '" + cl + "'");
    done_ = remaining_ == 0;
  }
  if (head.status == 204 || head.status == 304) done_ = true;
}

void BodyReader::fail(std::string_view why) const {
  throw SocketCommunicationError(fmt::format("{}: {}", what_, why), ErrorContext{what_, "", "", 0});
}

bool BodyReader::fill() {
  if (begin_ == end_) begin_ = end_ = 0;
  std::size_t n = 0;
  try {
    n = conn_.read_some(buffer_.get() + end_, kBufferBytes - end_, deadline_after(idle_timeout_));
  } catch (const TimeoutError&) {
    throw TimeoutError(fmt::format("{}: the engine sent nothing for {} ms", what_, idle_timeout_.count()),
                       ErrorContext{what_, "", "", 0});
  }
  end_ += n;
  return n > 0;
}

std::string_view BodyReader::read_line() {
  for (;;) {
    std::string_view avail(buffer_.get() + begin_, end_ - begin_);
    auto eol = avail.find("\r\n");
    if (eol != std::string_view::npos) {
      begin_ += eol + 2;
      return avail.substr(0, eol);
    }
    if (avail.size() > kMaxLine) fail("response framing line too long");
    // Keep the partial line: move it to the front so the read appends to it.
    if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (!fill()) fail(kCutBody);
  }
}

void BodyReader::read_chunk_size() {
  if (after_chunk_) {
    if (!read_line().empty()) fail("malformed chunked body (no CRLF after a chunk)");
    after_chunk_ = false;
  }
  std::string_view line = read_line();
  std::string_view size_text = line.substr(0, line.find(';'));  // chunk extensions are ignored
  while (!size_text.empty() && (size_text.back() == ' ' || size_text.back() == '\t')) size_text.remove_suffix(1);
  std::uint64_t size = 0;
  auto [p, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
  if (size_text.empty() || ec != std::errc() || p != size_text.data() + size_text.size()) {
    fail(fmt::format("malformed chunk size '{}'", line.substr(0, 32)));
  }
  if (size == 0) {
    while (!read_line().empty()) {
    }  // trailers, up to the blank line
    done_ = true;
    return;
  }
  remaining_ = size;
  after_chunk_ = true;
}

std::string_view BodyReader::next() {
  while (!done_) {
    if (framing_ == Framing::chunked && remaining_ == 0) {
      read_chunk_size();
      continue;
    }
    if (begin_ == end_ && !fill()) {
      if (framing_ == Framing::until_close) {
        done_ = true;
        break;
      }
      fail(kCutBody);
    }
    std::size_t n = end_ - begin_;
    if (framing_ != Framing::until_close) n = static_cast<std::size_t>(std::min<std::uint64_t>(n, remaining_));
    std::string_view piece(buffer_.get() + begin_, n);
    begin_ += n;
    if (framing_ != Framing::until_close) {
      remaining_ -= n;
      if (framing_ == Framing::length && remaining_ == 0) done_ = true;
    }
    return piece;
  }
  conn_.close();
  return {};
}

void BodyReader::close() noexcept {
  done_ = true;
  conn_.close();
}

}  // namespace pocketdock::detail
