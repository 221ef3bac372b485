#pragma once
// Command-line parsing for `eco2`: a pure function from arguments (and ECO2_* environment variables) to
// options, so that it is unit-tested without running anything. One option table drives the parser, the
// --help text and the environment fallbacks; precedence: flag > environment > default.

#include <optional>
#include <string>
#include <vector>

#include "eco2/sensor.hpp"

namespace eco2::cli {

enum class Command { none, run, sensors, version };

struct RunOptions {
    std::string output = "emission.csv";
    std::string project = "default";
    std::string experiment = "default";
    double period = 1.0;
    double checkpoint = 10.0;
    Scope scope = Scope::process;
    double pue = 1.0;
    std::optional<double> intensity;
    bool series = true;
    bool quiet = false;
    std::vector<std::string> command;  ///< the program and its arguments (after --)
};

struct SensorsOptions {
    std::string format = "table";  ///< table | json
    Scope scope = Scope::process;
};

struct Parsed {
    Command command = Command::none;
    RunOptions run;
    SensorsOptions sensors;
    /// When set, print this (help or version text) on stdout and exit with exit_code.
    std::optional<std::string> message;
    /// When set, print "eco2: error: <error>" on stderr and exit with exit_code.
    std::optional<std::string> error;
    int exit_code = 0;
};

/// Parses argv[1..]. Never throws, never prints, never exits.
Parsed parse(const std::vector<std::string>& args);

}  // namespace eco2::cli
