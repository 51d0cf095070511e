#include "demux.hpp"
#include "support/fake_engine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using pdtest::frame;
using pocketdock::detail::Demuxer;

struct Collected {
  std::string out, err, other;
  std::vector<std::uint8_t> types;
};

Collected feed_split(const std::string& stream, std::vector<std::size_t> cuts, bool* boundary = nullptr) {
  Collected c;
  Demuxer d;
  auto sink = [&](std::uint8_t type, std::string_view payload) {
    c.types.push_back(type);
    (type == 1 ? c.out : type == 2 ? c.err : c.other).append(payload);
  };
  std::size_t pos = 0;
  for (std::size_t cut : cuts) {
    d.feed(std::string_view(stream).substr(pos, cut - pos), sink);
    pos = cut;
  }
  d.feed(std::string_view(stream).substr(pos), sink);
  if (boundary != nullptr) *boundary = d.at_frame_boundary();
  return c;
}

TEST(Demux, StdoutAndStderrInOrder) {
  auto s = frame(1, "out\n") + frame(2, "err\n") + frame(1, "more out\n");
  auto c = feed_split(s, {});
  EXPECT_EQ(c.out, "out\nmore out\n");
  EXPECT_EQ(c.err, "err\n");
  EXPECT_EQ(c.types, (std::vector<std::uint8_t>{1, 2, 1}));
}

TEST(Demux, EverySplitOffsetGivesTheSameResult) {
  std::string payload_a(300, 'a');
  std::string payload_b = std::string("\0\1\2\xff", 4);
  auto s = frame(1, payload_a) + frame(2, payload_b) + frame(1, "") + frame(1, "z");
  for (std::size_t cut = 0; cut <= s.size(); ++cut) {
    bool boundary = false;
    auto c = feed_split(s, {cut}, &boundary);
    EXPECT_EQ(c.out, payload_a + "z") << "cut at " << cut;
    EXPECT_EQ(c.err, payload_b) << "cut at " << cut;
    EXPECT_TRUE(boundary);
  }
  // Byte by byte.
  std::vector<std::size_t> all;
  for (std::size_t i = 1; i < s.size(); ++i) all.push_back(i);
  auto c = feed_split(s, all);
  EXPECT_EQ(c.out, payload_a + "z");
  EXPECT_EQ(c.err, payload_b);
}

TEST(Demux, ZeroLengthFramesProduceNothing) {
  auto c = feed_split(frame(1, "") + frame(2, "") + frame(1, "x"), {});
  EXPECT_EQ(c.out, "x");
  EXPECT_EQ(c.types.size(), 1U);
}

TEST(Demux, StreamTypesZeroAndThreeArePassedWithTheirType) {
  auto c = feed_split(frame(0, "in") + frame(3, "sys") + frame(1, "o"), {});
  EXPECT_EQ(c.other, "insys");
  EXPECT_EQ(c.out, "o");
  EXPECT_EQ(c.types, (std::vector<std::uint8_t>{0, 3, 1}));
}

TEST(Demux, CutMidFrameIsNotAtABoundary) {
  auto s = frame(1, "hello world");
  bool boundary = true;
  auto c = feed_split(s.substr(0, 12), {}, &boundary);
  EXPECT_FALSE(boundary);
  EXPECT_EQ(c.out, "hell");  // the bytes that arrived are delivered
  auto h = feed_split(s.substr(0, 5), {}, &boundary);
  EXPECT_FALSE(boundary);
  EXPECT_EQ(h.out, "");
}

TEST(Demux, LargeFrameIsDeliveredInPiecesWithoutBuffering) {
  std::string big(1 << 20, 'q');
  auto s = frame(2, big);
  Demuxer d;
  std::size_t total = 0;
  std::size_t calls = 0;
  for (std::size_t pos = 0; pos < s.size(); pos += 8192) {
    d.feed(std::string_view(s).substr(pos, 8192), [&](std::uint8_t t, std::string_view p) {
      EXPECT_EQ(t, 2);
      total += p.size();
      ++calls;
    });
  }
  EXPECT_EQ(total, big.size());
  EXPECT_GT(calls, 100U);
  EXPECT_TRUE(d.at_frame_boundary());
}

}  // namespace
