// `eco2 mark`: one line to the control channel of the `eco2 run` this command runs under.

#include <cstdio>
#include <cstdlib>

#include "command.hpp"
#include "option_checks.hpp"
#include "control/control.hpp"
#include "eco2/error.hpp"
#include "sys/text.hpp"

namespace eco2::cli {
namespace {

int run(const Options& options) {
    const char* path = std::getenv(detail::CONTROL_ENV);
    if (path == nullptr || *path == '\0') {
        std::fprintf(stderr,
                     "eco2: error: ECO2_CONTROL is not set: `eco2 mark` works inside a command started by "
                     "`eco2 run` (e.g. eco2 run -- ./train.sh, where train.sh calls eco2 mark epoch)\n");
        return 2;
    }
    EpochParams params;
    if (options.mark_kind == "epoch") {
        for (const auto& kv : options.mark_params) {
            std::size_t eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) {
                std::fprintf(stderr, "eco2: error: --param '%s' is not key=value (e.g. --param loss=0.31)\n", kv.c_str());
                return 2;
            }
            // One mark is one line: a newline (or any control character) would end it and start another.
            for (char c : kv)
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    std::fprintf(stderr,
                                 "eco2: error: --param '%s' holds a newline or another control character: one "
                                 "mark is one line (remove it)\n",
                                 sys::printable(kv).c_str());
                    return 2;
                }
            // parse_mark decides number or text the same way for every writer
            params.push_back({kv.substr(0, eq), kv.substr(eq + 1)});
        }
    } else {
        if (options.items) params.push_back({"items", *options.items});
        if (options.error_rate) params.push_back({"error_rate", *options.error_rate});
        if (options.flops) params.push_back({"flops", *options.flops});
    }
    std::string line = detail::format_mark_line(options.mark_kind, params);
    try {
        detail::parse_mark(line);  // refuse here what eco2 run would refuse there
        detail::write_control_line(path, line);
    } catch (const Error& e) {
        std::fprintf(stderr, "eco2: error: %s\n", e.what());
        return 2;
    }
    return 0;
}

const OptionRow MARK_ROWS[] = {
    {"--param", nullptr, nullptr, Kind::text, "an epoch parameter key=value (repeat for more)",
     bind<&Options::mark_params>},
    {"--items", nullptr, nullptr, Kind::number, "work: items processed (samples, tokens, images)",
     bind<&Options::items>, checks::non_negative},
    {"--error-rate", nullptr, nullptr, Kind::number, "work: error rate, 0..1", bind<&Options::error_rate>,
     [] { return checks::number(0.0, 1.0, false, false); }},
    {"--flops", nullptr, nullptr, Kind::number, "work: floating-point operations done", bind<&Options::flops>,
     checks::non_negative},
};

std::vector<RowGroup> options() {
    return {MARK_ROWS};
}

void setup(CLI::App& app, Options& o) {
    app.add_option("kind", o.mark_kind, "epoch (close an epoch) or work (report work done)")
        ->required()
        ->check(CLI::IsMember({"epoch", "work"}));
    app.footer(
        "Writes one line to the control channel ($ECO2_CONTROL) of the eco2 run this command runs under.\n"
        "Examples:\n"
        "  eco2 mark epoch --param loss=0.31 --param accuracy=0.92\n"
        "  eco2 mark work --items 60000 --error-rate 0.08\n"
        "Any language can write the same line itself: echo 'epoch loss=0.31' > \"$ECO2_CONTROL\"");
}

std::string check(Options& o) {
    const std::string hint = help_hint("mark");
    const bool work = o.items || o.error_rate || o.flops;
    if (o.mark_kind == "epoch" && work) return "--items, --error-rate and --flops go with 'eco2 mark work'" + hint;
    if (o.mark_kind == "work" && !o.mark_params.empty()) return "--param goes with 'eco2 mark epoch'" + hint;
    if (o.mark_kind == "work" && !work) return "'eco2 mark work' needs --items, --error-rate or --flops" + hint;
    return {};
}

}  // namespace

/// `eco2 mark epoch|work`: one line to the control channel of the enclosing `eco2 run`; 2 when there is none.
extern const CommandSpec mark_command{
    .name = "mark",
    .help = "mark an epoch or report work, from inside a command run by eco2 run",
    .options = options,
    .setup = setup,
    .check = check,
    .run = run};

}  // namespace eco2::cli
