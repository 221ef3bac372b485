#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    eco2::cli::Parsed p = eco2::cli::parse(args);
    if (p.error) {
        std::fprintf(stderr, "eco2: error: %s\n", p.error->c_str());
        return p.exit_code;
    }
    if (p.message) {
        std::fputs(p.message->c_str(), stdout);
        if (!p.message->empty() && p.message->back() != '\n') std::fputc('\n', stdout);
        return p.exit_code;
    }
    try {
        switch (p.command) {
            case eco2::cli::Command::run: return eco2::cli::cmd_run(p.run);
            case eco2::cli::Command::sensors: return eco2::cli::cmd_sensors(p.sensors);
            default: return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eco2: error: %s\n", e.what());
        return 2;
    }
}
