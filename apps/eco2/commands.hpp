#pragma once

#include "cli.hpp"

namespace eco2::cli {

/// `eco2 run`: returns the command's exit status (128+N if signal N killed it), 127 if it was not found,
/// 126 if it could not be executed, 2 for eco2's own usage errors before the command started.
int cmd_run(const RunOptions& options);
/// `eco2 sensors`: prints every back end's status; returns 0.
int cmd_sensors(const SensorsOptions& options);

}  // namespace eco2::cli
