// Image endpoints: build, save, load, inspect, remove. Build and load answer with JSON lines
// (`{"stream": ...}`, `{"aux": {"ID": ...}}`, `{"errorDetail": ..., "error": ...}`), and both
// engines report a failed build (and Docker a failed load) inside a 200 answer.
#include "engine_api.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pocketdock::detail {
namespace {

constexpr std::size_t kMaxLine = 1024U * 1024U;

// Splits a byte stream into lines; a line longer than kMaxLine is passed on in pieces.
class LineSplitter {
 public:
  template <class Fn>
  void feed(std::string_view data, Fn&& on_line) {
    for (char c : data) {
      if (c == '\n') {
        on_line(std::string_view(pending_));
        pending_.clear();
        continue;
      }
      pending_.push_back(c);
      if (pending_.size() >= kMaxLine) {
        on_line(std::string_view(pending_));
        pending_.clear();
      }
    }
  }
  template <class Fn>
  void finish(Fn&& on_line) {
    if (!pending_.empty()) on_line(std::string_view(pending_));
    pending_.clear();
  }

 private:
  std::string pending_;
};

std::string trim_newlines(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// The error text of one JSON line, or "" if it reports none.
std::string error_of(const nlohmann::json& j) {
  if (j.contains("errorDetail") && j["errorDetail"].is_object()) {
    const auto& d = j["errorDetail"];
    if (d.contains("message") && d["message"].is_string()) return trim_newlines(d["message"].get<std::string>());
  }
  if (j.contains("error") && j["error"].is_string()) return trim_newlines(j["error"].get<std::string>());
  return {};
}

// Decodes the JSON lines of a build or load answer. The text of "stream" entries is re-split
// into lines (Docker sends "Step 1/3 : X" and its "\n" as two entries).
class ProgressDecoder {
 public:
  explicit ProgressDecoder(std::function<void(std::string_view)> on_line) : on_line_(std::move(on_line)) {}

  void feed(std::string_view data) {
    json_lines_.feed(data, [&](std::string_view line) { handle(line); });
  }
  void finish() {
    json_lines_.finish([&](std::string_view line) { handle(line); });
    text_.finish([&](std::string_view line) { emit(line); });
  }

  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const std::string& aux_id() const noexcept { return aux_id_; }
  [[nodiscard]] const std::vector<std::string>& lines_seen() const noexcept { return seen_; }

 private:
  void handle(std::string_view line) {
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) {
      text_.feed(line, [&](std::string_view l) { emit(l); });
      text_.feed("\n", [&](std::string_view l) { emit(l); });
      return;
    }
    if (std::string e = error_of(j); !e.empty()) {
      if (error_.empty()) error_ = e;
      return;
    }
    if (j.contains("stream") && j["stream"].is_string()) {
      text_.feed(j["stream"].get<std::string>(), [&](std::string_view l) { emit(l); });
    } else if (j.contains("status") && j["status"].is_string()) {
      std::string status = j["status"].get<std::string>();
      if (j.contains("id") && j["id"].is_string()) status = j["id"].get<std::string>() + ": " + status;
      if (j.contains("progress") && j["progress"].is_string()) status += " " + j["progress"].get<std::string>();
      emit(status);
    }
    if (j.contains("aux") && j["aux"].is_object() && j["aux"].contains("ID") && j["aux"]["ID"].is_string()) {
      aux_id_ = j["aux"]["ID"].get<std::string>();
    }
  }

  void emit(std::string_view line) {
    std::string l = trim_newlines(std::string(line));
    if (l.find_first_not_of(" \t") == std::string::npos) return;
    if (seen_.size() < 64) seen_.push_back(l);
    if (on_line_) on_line_(l);
  }

  std::function<void(std::string_view)> on_line_;
  LineSplitter json_lines_;
  LineSplitter text_;
  std::string error_;
  std::string aux_id_;
  std::vector<std::string> seen_;
};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

}  // namespace

std::string EngineClient::build_image(
    const std::string& tag, std::chrono::milliseconds timeout,
    const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce,
    const std::function<void(std::string_view line)>& on_line) {
  ApiRequest r{.method = "POST",
               .path = "/build",
               .query = {{"t", tag}, {"dockerfile", "Dockerfile"}, {"rm", "1"}, {"forcerm", "1"}},
               .content_type = "application/x-tar",
               .timeout = timeout};
  ProgressDecoder decoder(on_line);
  Deadline deadline = deadline_after(timeout);
  bool timed_out = false;
  (void)call_upload_streaming(ApiOp::build, r, tag, produce, [&](std::string_view data) {
    decoder.feed(data);
    if (Clock::now() >= deadline) {
      timed_out = true;
      return false;
    }
    return true;
  });
  decoder.finish();
  if (!decoder.error().empty()) {
    throw BuildError(fmt::format("image build of {} failed: {}", tag, decoder.error()),
                     {to_string(ApiOp::build), "", decoder.error(), 200});
  }
  if (timed_out) {
    throw TimeoutError(fmt::format("image build of {} did not finish within {} ms", tag, timeout.count()),
                       {to_string(ApiOp::build), "", "", 0});
  }
  if (!decoder.aux_id().empty()) return decoder.aux_id();
  // Older answers carry no aux line: the image is known by its tag now.
  auto image = inspect_image(tag);
  if (!image || !image->contains("Id")) {
    throw BuildError(fmt::format("image build of {} ended without an image", tag), {to_string(ApiOp::build)});
  }
  return (*image)["Id"].get<std::string>();
}

void EngineClient::save_images(const std::vector<std::string>& names, std::chrono::milliseconds timeout,
                               const std::function<bool(std::string_view)>& on_data) {
  ApiRequest r{.path = "/images/get", .timeout = timeout};
  for (const auto& n : names) r.query.emplace_back("names", n);
  (void)call_streaming(ApiOp::image_save, r, "", join(names, ", "), on_data);
}

std::vector<std::string> EngineClient::load_images(
    std::chrono::milliseconds timeout,
    const std::function<bool(const std::function<bool(std::string_view)>& write)>& produce) {
  ApiRequest r{.method = "POST", .path = "/images/load", .content_type = "application/x-tar", .timeout = timeout};
  ProgressDecoder decoder(nullptr);
  (void)call_upload_streaming(ApiOp::image_load, r, "", produce, [&](std::string_view data) {
    decoder.feed(data);
    return true;
  });
  decoder.finish();
  if (!decoder.error().empty()) {
    throw PocketDockError(fmt::format("image load failed: {}", decoder.error()),
                          {to_string(ApiOp::image_load), "", decoder.error(), 200});
  }
  // Docker: one "Loaded image: x:tag" line per image; Podman: "Loaded image: a,b" (or
  // "Loaded image(s): ..."); an untagged image is "Loaded image ID: sha256:...".
  std::vector<std::string> names;
  for (const auto& line : decoder.lines_seen()) {
    for (std::string_view prefix : {"Loaded image(s): ", "Loaded image ID: ", "Loaded image: "}) {
      if (line.rfind(prefix, 0) != 0) continue;
      std::string_view rest = std::string_view(line).substr(prefix.size());
      while (!rest.empty()) {
        auto comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (!item.empty()) names.emplace_back(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      break;
    }
  }
  return names;
}

std::optional<nlohmann::json> EngineClient::inspect_image(const std::string& name) {
  ApiResponse resp = call({.path = "/images/" + url_encode(name) + "/json"});
  if (resp.status == 404) return std::nullopt;
  if (resp.status >= 400) throw_api_error(ApiOp::image_inspect, resp.status, resp.body, "", name);
  return resp.json();
}

bool EngineClient::remove_image(const std::string& name, bool force) {
  ApiResponse resp =
      call({.method = "DELETE", .path = "/images/" + url_encode(name), .query = {{"force", force ? "true" : "false"}}});
  if (resp.status == 404) return false;
  if (resp.status >= 400) throw_api_error(ApiOp::image_remove, resp.status, resp.body, "", name);
  return true;
}

}  // namespace pocketdock::detail
