// Exec tokens and session markers: 128 bits from the OS CSPRNG (issue 13, item 8).
#include "exec.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>
#include <string>

namespace {

using pocketdock::detail::random_hex;

TEST(Tokens, AreLowercaseHexOfTheAskedLength) {
  for (std::size_t n : {1U, 7U, 8U, 32U, 33U}) {
    std::string t = random_hex(n);
    EXPECT_EQ(t.size(), n);
    EXPECT_TRUE(std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    })) << t;
  }
}

TEST(Tokens, NeverRepeatAndUseEveryDigit) {
  std::set<std::string> seen;
  std::set<char> digits;
  for (int i = 0; i < 20000; ++i) {
    std::string t = random_hex(32);
    EXPECT_TRUE(seen.insert(t).second) << "repeated token " << t;
    digits.insert(t.begin(), t.end());
  }
  EXPECT_EQ(digits.size(), 16U);
}

TEST(Tokens, EachDigitIsUniform) {
  // 160000 digits: every value within 10 % of its expected 10000.
  std::array<int, 16> count{};
  for (int i = 0; i < 5000; ++i) {
    for (char c : random_hex(32)) ++count[static_cast<std::size_t>(c <= '9' ? c - '0' : c - 'a' + 10)];
  }
  for (int c : count) {
    EXPECT_GT(c, 9000);
    EXPECT_LT(c, 11000);
  }
}

}  // namespace
