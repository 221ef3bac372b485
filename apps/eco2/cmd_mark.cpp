// `eco2 mark`: one line to the control channel of the `eco2 run` this command runs under.

#include <cstdio>
#include <cstdlib>

#include "commands.hpp"
#include "core/control.hpp"
#include "eco2/error.hpp"
#include "sys/text.hpp"

namespace eco2::cli {

int cmd_mark(const Options& options) {
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

}  // namespace eco2::cli
