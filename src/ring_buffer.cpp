#include "ring_buffer.hpp"

#include <algorithm>

namespace pocketdock::detail {

RingBuffer::RingBuffer(std::size_t capacity) : half_(std::max<std::size_t>(capacity / 2, 1)) {}

bool RingBuffer::append(Half& h, std::string_view data) const {
  bool evicted = false;
  if (data.size() >= half_) {
    evicted = h.size() > 0 || data.size() > half_;
    h.data.assign(data.substr(data.size() - half_));
    h.start = 0;
    return evicted;
  }
  h.data.append(data);
  if (h.size() > half_) {
    h.start = h.data.size() - half_;
    evicted = true;
  }
  if (h.start > half_) {
    h.data.erase(0, h.start);
    h.start = 0;
  }
  return evicted;
}

void RingBuffer::write(OutputStream stream, std::string_view data) {
  std::lock_guard lock(mutex_);
  if (append(stream == OutputStream::out ? out_ : err_, data)) overflow_ = true;
}

BufferSnapshot RingBuffer::read() {
  std::lock_guard lock(mutex_);
  BufferSnapshot s{std::string(out_.view()), std::string(err_.view())};
  out_ = {};
  err_ = {};
  return s;
}

BufferSnapshot RingBuffer::peek() const {
  std::lock_guard lock(mutex_);
  return {std::string(out_.view()), std::string(err_.view())};
}

std::size_t RingBuffer::size() const {
  std::lock_guard lock(mutex_);
  return out_.size() + err_.size();
}

bool RingBuffer::overflow() const {
  std::lock_guard lock(mutex_);
  return overflow_;
}

}  // namespace pocketdock::detail
