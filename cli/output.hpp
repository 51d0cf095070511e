#pragma once
// Terminal output of the CLI: success lines, tables, panels and JSON. Colour and symbols appear
// only when the stream is a terminal (and NO_COLOR is unset); piped output is plain text.

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace pocketdock::cli {

[[nodiscard]] bool stdout_is_terminal();
[[nodiscard]] bool stderr_is_terminal();

/// "✓ {message}" in green on a terminal, "{message}" otherwise (stdout).
void print_success(std::string_view message);

/// A plain line on stdout.
void print_line(std::string_view line);

/// A dimmed line on stdout (build progress).
void print_dim(std::string_view line);

/// A line on stderr.
void print_error_line(std::string_view line);

/// JSON with an indent of 2 on stdout.
void print_json(const nlohmann::ordered_json& value);

struct Table {
  std::string title;
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

/// A box-drawn table on a terminal; aligned columns under the title otherwise.
void print_table(const Table& table);

struct PanelLine {
  std::string text;
  bool dim = false;
};

/// A boxed panel with a title on a terminal; the title and the lines as plain text otherwise.
/// `to_err` writes to stderr; `error_style` colours the title red.
void print_panel(std::string_view title, const std::vector<PanelLine>& lines, bool to_err = false,
                 bool error_style = false);

/// Writes `data` to `f` with a newline appended if it does not end in one (nothing if empty).
void write_output(std::FILE* f, std::string_view data);

/// Asks `question [y/N]: ` on stdout; only "y" (trimmed, any case) on stdin confirms.
[[nodiscard]] bool confirm(std::string_view question);

/// The first 12 hex digits of an engine id, without a `sha256:` prefix.
[[nodiscard]] std::string short_id(std::string_view id);

/// Number of terminal columns a UTF-8 string takes (one per code point).
[[nodiscard]] std::size_t display_width(std::string_view text);

}  // namespace pocketdock::cli
