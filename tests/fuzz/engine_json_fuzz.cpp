// Fuzz target: engine JSON into pocketdock values: inspect, stats and top into ContainerInfo,
// inspect into CreateOptions (resume), list entries into ContainerListItem. Any JSON the engine
// sends gives values or one of our errors, never another exception or undefined behaviour.
#include "container_info.hpp"

#include <pocketdock/errors.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using nlohmann::json;
  using namespace pocketdock::detail;
  json j = json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  try {
    pocketdock::Timestamp now = std::chrono::system_clock::now();
    (void)build_container_info(j, &j, cpu_percent_between(j, j), &j, "fuzz", now);
    (void)build_container_info(j, nullptr, std::nullopt, nullptr, "fuzz", now);
    (void)create_options_from_inspect(j);
    (void)previous_sample(j);
    (void)memory_used(j);
    if (j.is_string()) (void)parse_timestamp(j.get<std::string>());
    if (j.is_array()) {
      for (const auto& item : j) (void)list_item_from_engine(item);
    } else {
      (void)list_item_from_engine(j);
    }
  } catch (const pocketdock::PocketDockError&) {
  }
  return 0;
}
