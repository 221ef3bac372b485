#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "shared_options.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"

namespace eco2::cli {
namespace {

int run(const Options& options) {
    TrackerConfig config;
    config.sampling.scope = options.scope;
    config.output.path.clear();
    options.apply_cpu(config);
    std::vector<ProbeReport> reports = probe_sensors(config);
    if (options.format == "json") {
        nlohmann::json j = nlohmann::json::array();
        for (const auto& r : reports) {
            j.push_back({{"backend", r.backend},
                         {"status", std::string(to_string(r.status))},
                         {"used", r.used},
                         {"reason", r.reason},
                         {"fix", spelled(r.fix, option_name)},
                         {"channels", r.channels}});
        }
        std::puts(nlohmann::json{{"scope", std::string(to_string(options.scope))}, {"sensors", j}}.dump(2).c_str());
        return 0;
    }
    std::string out;
    for (const auto& r : reports) {
        out += fmt::format("{:<10} {:<18} {}\n", r.backend, to_string(r.status), r.used ? "used" : "not used");
        if (!r.reason.empty()) out += fmt::format("           reason: {}\n", r.reason);
        if (!r.fix.empty()) out += fmt::format("           fix:    {}\n", spelled(r.fix, option_name));
        if (!r.channels.empty()) out += fmt::format("           channels: {}\n", fmt::join(r.channels, ", "));
    }
    std::fputs(out.c_str(), stdout);
    return 0;
}

std::vector<RowGroup> options() {
    return {shared::scope(), shared::cpu(), shared::format()};
}

}  // namespace

/// `eco2 sensors`: prints every back end's status; returns 0.
extern const CommandSpec sensors_command{.name = "sensors",
                                         .help = "list every measurement back end, its status, reason and fix",
                                         .options = options,
                                         .run = run};

}  // namespace eco2::cli
