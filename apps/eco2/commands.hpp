#pragma once
// One function per subcommand (cmd_<name>.cpp). Each returns the process exit status; eco2::Error thrown for
// bad input is reported by main() with exit status 2.

#include <map>
#include <string>
#include <vector>

#include "cli.hpp"

namespace eco2::cli {

/// `eco2 run`: returns the command's exit status (128+N if signal N killed it), 127 if it was not found,
/// 126 if it could not be executed, 2 for eco2's own usage errors before the command started.
int cmd_run(const Options& options);
/// `eco2 sensors`: prints every back end's status; returns 0.
int cmd_sensors(const Options& options);
/// `eco2 regions [QUERY]`: lists zones and their intensities; 2 when the query names nothing.
int cmd_regions(const Options& options);
/// `eco2 where`: the zone and intensity eco2 would use, and each step of the resolution; returns 0.
int cmd_where(const Options& options);
/// `eco2 estimate`: energy, CO2, cost and equivalents of a planned job; returns 0.
int cmd_estimate(const Options& options);
/// `eco2 mark epoch|work`: one line to the control channel of the enclosing `eco2 run`; 2 when there is none.
int cmd_mark(const Options& options);
/// `eco2 agent`: the node daemon until SIGTERM/SIGINT; 0 after a clean stop, 2 for bad options.
int cmd_agent(const std::vector<std::string>& args, const std::map<std::string, std::string>& environment);

}  // namespace eco2::cli
