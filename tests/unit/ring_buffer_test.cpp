// The detached-process ring buffer (reference examples of behaviour.md section 2.7), the
// callback registry, and the ExecStream range shape.
#include "ring_buffer.hpp"
#include "callbacks.hpp"

#include <pocketdock/exec_stream.hpp>
#include <pocketdock/process.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <ranges>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

namespace {

using pocketdock::OutputStream;
using pocketdock::detail::CallbackRegistry;
using pocketdock::detail::RingBuffer;

static_assert(std::ranges::input_range<pocketdock::ExecStream>);
static_assert(std::is_same_v<std::ranges::range_value_t<pocketdock::ExecStream>, pocketdock::StreamChunk>);
static_assert(!std::is_copy_constructible_v<pocketdock::ExecStream>);
static_assert(std::is_nothrow_move_constructible_v<pocketdock::ExecStream>);
static_assert(!std::is_copy_constructible_v<pocketdock::Process>);
static_assert(std::is_nothrow_move_constructible_v<pocketdock::Process>);

TEST(RingBuffer, DefaultIsOneMebibyteHalfPerStream) {
  RingBuffer rb;
  EXPECT_EQ(rb.half(), 512U * 1024U);
}

TEST(RingBuffer, Cap20Write15KeepsTheLast10AndOverflows) {
  RingBuffer rb(20);
  rb.write(OutputStream::out, std::string(15, 'x'));
  EXPECT_TRUE(rb.overflow());
  EXPECT_EQ(rb.peek().out, std::string(10, 'x'));
}

TEST(RingBuffer, Cap20EvictsTheOldestBytes) {
  RingBuffer rb(20);
  rb.write(OutputStream::out, "ABCDE");
  EXPECT_FALSE(rb.overflow());
  rb.write(OutputStream::out, "12345678");
  EXPECT_EQ(rb.peek().out, "DE12345678");
  EXPECT_TRUE(rb.overflow());
}

TEST(RingBuffer, Cap10SecondWriteFillsTheHalf) {
  RingBuffer rb(10);
  rb.write(OutputStream::out, "abc");
  rb.write(OutputStream::out, "defgh");
  EXPECT_EQ(rb.peek().out, "defgh");
  EXPECT_TRUE(rb.overflow());
}

TEST(RingBuffer, Cap1KeepsOneByte) {
  RingBuffer rb(1);
  EXPECT_EQ(rb.half(), 1U);
  rb.write(OutputStream::out, "AB");
  EXPECT_EQ(rb.peek().out, "B");
  EXPECT_TRUE(rb.overflow());
}

TEST(RingBuffer, ExactlyFullIsNotOverflow) {
  RingBuffer rb(20);
  rb.write(OutputStream::out, "0123456789");
  rb.write(OutputStream::err, "abcdefghij");
  EXPECT_FALSE(rb.overflow());
  EXPECT_EQ(rb.size(), 20U);
}

TEST(RingBuffer, StreamsHaveSeparateHalves) {
  RingBuffer rb(8);
  rb.write(OutputStream::out, "out1");
  rb.write(OutputStream::err, "err1");
  rb.write(OutputStream::err, "XY");
  auto s = rb.peek();
  EXPECT_EQ(s.out, "out1");
  EXPECT_EQ(s.err, "r1XY");
  EXPECT_EQ(rb.size(), 8U);
}

TEST(RingBuffer, ReadDrainsPeekDoesNot) {
  RingBuffer rb(100);
  rb.write(OutputStream::out, "hello");
  rb.write(OutputStream::err, "oops");
  EXPECT_EQ(rb.peek(), rb.peek());
  EXPECT_EQ(rb.peek().out, "hello");
  auto r = rb.read();
  EXPECT_EQ(r.out, "hello");
  EXPECT_EQ(r.err, "oops");
  EXPECT_EQ(rb.size(), 0U);
  EXPECT_EQ(rb.read().out, "");
}

TEST(RingBuffer, OverflowIsSticky) {
  RingBuffer rb(4);
  rb.write(OutputStream::out, "abc");
  EXPECT_TRUE(rb.overflow());
  (void)rb.read();
  rb.write(OutputStream::out, "z");
  EXPECT_TRUE(rb.overflow());
}

TEST(RingBuffer, BinaryBytesAreKept) {
  RingBuffer rb(64);
  std::string bytes("\0\1\377\376\r\n", 6);
  rb.write(OutputStream::out, bytes);
  EXPECT_EQ(rb.peek().out, bytes);
}

TEST(RingBuffer, ManySmallWritesKeepTheNewestBytesInOrder) {
  RingBuffer rb(2000);  // 1000 per stream
  std::string all;
  for (int i = 0; i < 5000; ++i) {
    std::string piece = std::to_string(i) + ",";
    all += piece;
    rb.write(OutputStream::out, piece);
  }
  EXPECT_EQ(rb.peek().out, all.substr(all.size() - 1000));
}

TEST(RingBuffer, TwoThreadsWriting1000TimesEach) {
  RingBuffer rb(1 << 20);
  auto writer = [&rb](OutputStream s, char c) {
    for (int i = 0; i < 1000; ++i) rb.write(s, std::string(10, c));
  };
  std::thread a(writer, OutputStream::out, 'a');
  std::thread b(writer, OutputStream::out, 'b');
  std::thread reader([&rb] {
    for (int i = 0; i < 200; ++i) (void)rb.peek();
  });
  a.join();
  b.join();
  reader.join();
  auto s = rb.peek();
  ASSERT_EQ(s.out.size(), 20000U);
  EXPECT_EQ(std::count(s.out.begin(), s.out.end(), 'a'), 10000);
  EXPECT_EQ(std::count(s.out.begin(), s.out.end(), 'b'), 10000);
  // Each write lands whole: runs of one letter come in multiples of 10.
  for (std::size_t i = 0; i < s.out.size(); i += 10) EXPECT_EQ(s.out.substr(i, 10), std::string(10, s.out[i]));
  EXPECT_FALSE(rb.overflow());
}

TEST(Callbacks, RunInRegistrationOrderAndAThrowingOneDoesNotStopTheOthers) {
  CallbackRegistry reg;
  std::vector<std::string> seen;
  reg.add_output(OutputStream::out, [&](std::string_view d) { seen.push_back("1:" + std::string(d)); });
  reg.add_output(OutputStream::out, [](std::string_view) { throw std::runtime_error("boom"); });
  reg.add_output(OutputStream::out, [](std::string_view) { throw 42; });
  reg.add_output(OutputStream::out, [&](std::string_view d) { seen.push_back("4:" + std::string(d)); });
  reg.add_output(OutputStream::err, [&](std::string_view d) { seen.push_back("err:" + std::string(d)); });
  std::vector<int> codes;
  reg.add_exit([](int) { throw std::logic_error("bad"); });
  reg.add_exit([&](int c) { codes.push_back(c); });
  reg.fire_output(OutputStream::out, "x");
  reg.fire_output(OutputStream::err, "y");
  reg.fire_exit(3);
  EXPECT_EQ(seen, (std::vector<std::string>{"1:x", "4:x", "err:y"}));
  EXPECT_EQ(codes, std::vector<int>{3});
}

TEST(Callbacks, ACallbackMayRegisterAnother) {
  CallbackRegistry reg;
  int late = 0;
  reg.add_output(OutputStream::out, [&](std::string_view) {
    if (late == 0) reg.add_output(OutputStream::out, [&](std::string_view) { ++late; });
  });
  reg.fire_output(OutputStream::out, "a");  // the new one applies from the next piece on
  EXPECT_EQ(late, 0);
  reg.fire_output(OutputStream::out, "b");
  EXPECT_EQ(late, 1);
}

TEST(Callbacks, ConcurrentRegistrationAndFiring) {
  CallbackRegistry reg;
  std::atomic<int> calls{0};
  std::thread firer([&] {
    for (int i = 0; i < 1000; ++i) reg.fire_output(OutputStream::out, "z");
  });
  std::thread adder([&] {
    for (int i = 0; i < 100; ++i) reg.add_output(OutputStream::out, [&](std::string_view) { ++calls; });
  });
  firer.join();
  adder.join();
  calls = 0;
  reg.fire_output(OutputStream::out, "z");
  EXPECT_EQ(calls.load(), 100);
}

}  // namespace
