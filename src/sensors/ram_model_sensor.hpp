#pragma once
// Modelled (estimated) RAM power, eco2AI's method: P = 0.375 W per GiB of resident memory (the tracked tree's,
// or the machine's used memory in machine scope). Labelled estimated wherever it is shown.

#include <memory>

#include "sensors/backend.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

/// eco2AI's RAM power per GiB of resident memory, W/GiB.
inline constexpr double RAM_W_PER_GIB = 0.375;

/// RAM model: one power channel, 0.375 W/GiB x (tree resident memory, or machine used memory).
std::unique_ptr<Sensor> make_ram_model_sensor(Scope scope);

/// The back end: always available.
Discovery discover_ram_model(const sys::SystemContext& context, const DiscoveryRequest& request);
inline constexpr Backend RAM_MODEL_BACKEND{"ram-model", Component::ram, PRIORITY_MODEL, &discover_ram_model};

}  // namespace eco2::detail
