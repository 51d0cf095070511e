#pragma once
/// @file pocketdock.hpp
/// Umbrella header: everything but the opt-in `format.hpp` (fmt) and `json.hpp` (nlohmann).

#include <pocketdock/command.hpp>
#include <pocketdock/container.hpp>
#include <pocketdock/engine.hpp>
#include <pocketdock/errors.hpp>
#include <pocketdock/exec_stream.hpp>
#include <pocketdock/files.hpp>
#include <pocketdock/images.hpp>
#include <pocketdock/options.hpp>
#include <pocketdock/persistence.hpp>
#include <pocketdock/process.hpp>
#include <pocketdock/profiles.hpp>
#include <pocketdock/projects.hpp>
#include <pocketdock/security.hpp>
#include <pocketdock/session.hpp>
#include <pocketdock/types.hpp>
#include <pocketdock/units.hpp>
#include <pocketdock/version.hpp>
