#include "output.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pocketdock::cli {
namespace {

constexpr std::string_view kGreen = "\033[32m";
constexpr std::string_view kRed = "\033[1;31m";
constexpr std::string_view kBold = "\033[1m";
constexpr std::string_view kDim = "\033[2m";
constexpr std::string_view kReset = "\033[0m";

bool colour_allowed() {
  const char* no_colour = std::getenv("NO_COLOR");
  return no_colour == nullptr || *no_colour == '\0';
}

std::string styled(std::string_view text, std::string_view style, bool on) {
  if (!on) return std::string(text);
  return fmt::format("{}{}{}", style, text, kReset);
}

std::string pad(std::string_view text, std::size_t width) {
  std::string out(text);
  std::size_t w = display_width(text);
  if (w < width) out.append(width - w, ' ');
  return out;
}

std::string repeat(std::string_view piece, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += piece;
  return out;
}

void write(std::FILE* f, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), f);
  std::fflush(f);
}

}  // namespace

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U; }));
}

void print_success(std::string_view message) {
  if (stdout_is_terminal()) {
    write(stdout, fmt::format("{} {}\n", styled("\u2713", kGreen, colour_allowed()), message));
  } else {
    write(stdout, fmt::format("{}\n", message));
  }
}

void write_output(std::FILE* f, std::string_view data) {
  if (data.empty()) return;
  std::fwrite(data.data(), 1, data.size(), f);
  if (data.back() != '\n') std::fputc('\n', f);
  std::fflush(f);
}

bool confirm(std::string_view question) {
  write(stdout, fmt::format("{} [y/N]: ", question));
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  auto first = answer.find_first_not_of(" \t\r");
  auto last = answer.find_last_not_of(" \t\r");
  answer = first == std::string::npos ? std::string() : answer.substr(first, last - first + 1);
  return answer == "y" || answer == "Y";
}

std::string short_id(std::string_view id) {
  if (id.rfind("sha256:", 0) == 0) id.remove_prefix(7);
  return std::string(id.substr(0, 12));
}

void print_line(std::string_view line) { write(stdout, fmt::format("{}\n", line)); }

void print_dim(std::string_view line) {
  write(stdout, fmt::format("{}\n", styled(line, kDim, stdout_is_terminal() && colour_allowed())));
}

void print_error_line(std::string_view line) { write(stderr, fmt::format("{}\n", line)); }

void print_json(const nlohmann::ordered_json& value) { write(stdout, value.dump(2) + "\n"); }

void print_table(const Table& table) {
  std::vector<std::size_t> widths(table.headers.size(), 0);
  for (std::size_t c = 0; c < table.headers.size(); ++c) widths[c] = display_width(table.headers[c]);
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], display_width(row[c]));
  }
  auto cell = [&](const std::vector<std::string>& row, std::size_t c) {
    return c < row.size() ? row[c] : std::string();
  };
  std::string out;
  if (!stdout_is_terminal()) {
    out += table.title + "\n";
    auto line = [&](const std::vector<std::string>& row) {
      std::string l;
      for (std::size_t c = 0; c < widths.size(); ++c) l += (c == 0 ? "" : "  ") + pad(cell(row, c), widths[c]);
      while (!l.empty() && l.back() == ' ') l.pop_back();
      out += l + "\n";
    };
    line(table.headers);
    for (const auto& row : table.rows) line(row);
    write(stdout, out);
    return;
  }
  bool colour = colour_allowed();
  auto rule = [&](std::string_view left, std::string_view mid, std::string_view right) {
    std::string l(left);
    for (std::size_t c = 0; c < widths.size(); ++c)
      l += repeat("\u2500", widths[c] + 2) + std::string(c + 1 < widths.size() ? mid : right);
    return l + "\n";
  };
  auto line = [&](const std::vector<std::string>& row, bool header) {
    std::string l = "\u2502";
    for (std::size_t c = 0; c < widths.size(); ++c) {
      l += " " + styled(pad(cell(row, c), widths[c]), kBold, header && colour) + " \u2502";
    }
    return l + "\n";
  };
  out += styled(table.title, kBold, colour) + "\n";
  out += rule("\u250c", "\u252c", "\u2510");
  out += line(table.headers, true);
  out += rule("\u251c", "\u253c", "\u2524");
  for (const auto& row : table.rows) out += line(row, false);
  out += rule("\u2514", "\u2534", "\u2518");
  write(stdout, out);
}

void print_panel(std::string_view title, const std::vector<PanelLine>& lines, bool to_err, bool error_style) {
  std::FILE* f = to_err ? stderr : stdout;
  bool terminal = to_err ? stderr_is_terminal() : stdout_is_terminal();
  std::string out;
  if (!terminal) {
    out += std::string(title) + "\n";
    for (const auto& l : lines) out += l.text + "\n";
    write(f, out);
    return;
  }
  bool colour = colour_allowed();
  std::size_t inner = display_width(title) + 2;
  for (const auto& l : lines) inner = std::max(inner, display_width(l.text));
  std::string head = " " + std::string(title) + " ";
  out += "\u256d\u2500" + styled(head, error_style ? kRed : kBold, colour) +
         repeat("\u2500", inner + 1 - display_width(head)) + "\u256e\n";
  for (const auto& l : lines) {
    out += "\u2502 " + styled(pad(l.text, inner), l.dim ? kDim : std::string_view(), colour && l.dim) + " \u2502\n";
  }
  out += "\u2570" + repeat("\u2500", inner + 2) + "\u256f\n";
  write(f, out);
}

}  // namespace pocketdock::cli
