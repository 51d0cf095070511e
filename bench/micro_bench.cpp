// Google Benchmark micro-benchmarks of the hot paths.
#include "demux.hpp"
#include "ring_buffer.hpp"
#include "tar_reader.hpp"
#include "tar_writer.hpp"

#include <benchmark/benchmark.h>

#include <pocketdock/types.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace {

std::string make_stream(std::size_t frame_size, std::size_t total) {
  std::string out;
  out.reserve(total + total / frame_size * 8 + 8);
  std::string payload(frame_size, 'x');
  while (out.size() < total) {
    char header[8] = {1,
                      0,
                      0,
                      0,
                      static_cast<char>((frame_size >> 24) & 0xFF),
                      static_cast<char>((frame_size >> 16) & 0xFF),
                      static_cast<char>((frame_size >> 8) & 0xFF),
                      static_cast<char>(frame_size & 0xFF)};
    out.append(header, 8);
    out += payload;
  }
  return out;
}

// Frames of the engines' sizes (Podman 8 KiB, Docker 32 KiB), fed in 64 KiB reads.
void BM_Demux(benchmark::State& state) {
  const auto frame = static_cast<std::size_t>(state.range(0));
  const std::string stream = make_stream(frame, 16U << 20);
  std::uint64_t sink_bytes = 0;
  for (auto _ : state) {
    pocketdock::detail::Demuxer d;
    for (std::size_t pos = 0; pos < stream.size(); pos += 65536) {
      d.feed(std::string_view(stream).substr(pos, 65536),
             [&](std::uint8_t, std::string_view p) { sink_bytes += p.size(); });
    }
    benchmark::DoNotOptimize(sink_bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_Demux)->Arg(8192)->Arg(32768)->Unit(benchmark::kMillisecond);

// The same, with each payload copied into an output buffer as a blocking run does.
void BM_DemuxCollect(benchmark::State& state) {
  const auto frame = static_cast<std::size_t>(state.range(0));
  const std::string stream = make_stream(frame, 16U << 20);
  std::string out;
  out.reserve(stream.size());
  for (auto _ : state) {
    out.clear();
    pocketdock::detail::Demuxer d;
    for (std::size_t pos = 0; pos < stream.size(); pos += 65536) {
      d.feed(std::string_view(stream).substr(pos, 65536), [&](std::uint8_t, std::string_view p) { out.append(p); });
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_DemuxCollect)->Arg(8192)->Arg(32768)->Unit(benchmark::kMillisecond);

// The streaming path: each payload becomes an owned chunk, as ExecStream hands them out.
void BM_DemuxChunks(benchmark::State& state) {
  const auto frame = static_cast<std::size_t>(state.range(0));
  const std::string stream = make_stream(frame, 16U << 20);
  for (auto _ : state) {
    std::deque<pocketdock::StreamChunk> chunks;
    std::uint64_t consumed = 0;
    pocketdock::detail::Demuxer d;
    for (std::size_t pos = 0; pos < stream.size(); pos += 65536) {
      d.feed(std::string_view(stream).substr(pos, 65536), [&](std::uint8_t, std::string_view p) {
        chunks.push_back(pocketdock::StreamChunk{pocketdock::OutputStream::out, std::string(p)});
      });
      while (!chunks.empty()) {
        consumed += chunks.front().data.size();
        chunks.pop_front();
      }
    }
    benchmark::DoNotOptimize(consumed);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_DemuxChunks)->Arg(8192)->Arg(32768)->Unit(benchmark::kMillisecond);

// Ring buffer writes of engine-sized frames into a full 1 MiB buffer (eviction on every write).
void BM_RingBufferWrite(benchmark::State& state) {
  pocketdock::detail::RingBuffer ring;
  const std::string chunk(static_cast<std::size_t>(state.range(0)), 'r');
  for (auto _ : state) ring.write(pocketdock::OutputStream::out, chunk);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_RingBufferWrite)->Arg(8192)->Arg(32768);

// Tar writing of one 16 MiB file in 64 KiB pieces to a sink that discards.
void BM_TarWrite(benchmark::State& state) {
  const std::string piece(65536, 't');
  const std::int64_t size = 16 << 20;
  for (auto _ : state) {
    std::size_t written = 0;
    pocketdock::detail::TarWriter w([&](std::string_view d) {
      written += d.size();
      return true;
    });
    w.begin_file("big.bin", 0644, size, 0);
    for (std::int64_t done = 0; done < size; done += 65536) w.write_data(piece);
    w.close();
    benchmark::DoNotOptimize(written);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * size);
}
BENCHMARK(BM_TarWrite)->Unit(benchmark::kMillisecond);

// Tar reading of the same archive, fed in 64 KiB pieces.
void BM_TarRead(benchmark::State& state) {
  std::string archive;
  {
    const std::string piece(65536, 't');
    pocketdock::detail::TarWriter w([&](std::string_view d) {
      archive.append(d);
      return true;
    });
    w.begin_file("big.bin", 0644, 16 << 20, 0);
    for (int i = 0; i < 256; ++i) w.write_data(piece);
    w.close();
  }
  std::vector<char> buf(65536);
  for (auto _ : state) {
    std::size_t pos = 0;
    pocketdock::detail::TarReader r([&]() -> std::string_view {
      auto piece = std::string_view(archive).substr(std::min(pos, archive.size()), 65536);
      pos += piece.size();
      return piece;
    });
    pocketdock::detail::TarEntry e;
    std::size_t total = 0;
    while (r.next(e)) {
      for (std::size_t n; (n = r.read(buf.data(), buf.size())) > 0;) total += n;
    }
    benchmark::DoNotOptimize(total);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(archive.size()));
}
BENCHMARK(BM_TarRead)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
