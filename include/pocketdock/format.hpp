#pragma once
/// @file format.hpp
/// Opt-in fmt formatters for pocketdock's value types: `fmt::print("{}\n", result)`.

#include <pocketdock/types.hpp>

#include <fmt/format.h>

template <>
struct fmt::formatter<pocketdock::OutputStream> : fmt::formatter<fmt::string_view> {
  auto format(pocketdock::OutputStream s, fmt::format_context& ctx) const {
    return fmt::formatter<fmt::string_view>::format(pocketdock::to_string(s), ctx);
  }
};

template <>
struct fmt::formatter<pocketdock::ExecResult> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::ExecResult& r, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(),
                          "ExecResult(exit_code={}, stdout={:?}, stderr={:?}, duration_ms={:.1f}, timed_out={}, "
                          "truncated={})",
                          r.exit_code, r.out, r.err, r.duration_ms(), r.timed_out, r.truncated);
  }
};

template <>
struct fmt::formatter<pocketdock::StreamChunk> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::StreamChunk& c, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "StreamChunk(stream={}, data={:?})", pocketdock::to_string(c.stream), c.data);
  }
};

template <>
struct fmt::formatter<pocketdock::BufferSnapshot> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::BufferSnapshot& b, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "BufferSnapshot(stdout={:?}, stderr={:?})", b.out, b.err);
  }
};

template <>
struct fmt::formatter<pocketdock::ContainerInfo> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::ContainerInfo& i, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(),
                          "ContainerInfo(id={}, name={}, status={}, image={}, memory={} / {} ({:.2f}%), cpu={:.2f}%, "
                          "pids={}, network={}, ip={:?}, ports={})",
                          i.id.substr(0, 12), i.name, i.status, i.image, i.memory_usage, i.memory_limit,
                          i.memory_percent, i.cpu_percent, i.pids, i.network, i.ip_address, i.ports.size());
  }
};

template <>
struct fmt::formatter<pocketdock::ContainerListItem> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::ContainerListItem& i, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "ContainerListItem(id={}, name={}, status={}, image={}, persist={}, project={:?})",
                          i.id, i.name, i.status, i.image, i.persist, i.project);
  }
};

template <>
struct fmt::formatter<pocketdock::DoctorReport> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::DoctorReport& d, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "DoctorReport(orphaned={}, stale={}, healthy={})", d.orphaned_containers.size(),
                          d.stale_instance_dirs.size(), d.healthy);
  }
};

template <>
struct fmt::formatter<pocketdock::ProfileInfo> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  auto format(const pocketdock::ProfileInfo& p, fmt::format_context& ctx) const {
    return fmt::format_to(ctx.out(), "ProfileInfo(name={}, image_tag={}, network_default={}, size={})", p.name,
                          p.image_tag, p.network_default, p.size_estimate);
  }
};
