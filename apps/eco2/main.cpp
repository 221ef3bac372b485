#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "command.hpp"

extern char** environ;

namespace {

// The process environment, for the pure parser.
std::map<std::string, std::string> environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e) {
        const std::string kv = *e;
        const auto eq = kv.find('=');
        if (eq != std::string::npos) env.emplace(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return env;
}

// Reads the config files that exist; one that exists but cannot be read is an error.
bool read_config_files(std::vector<eco2::cli::ConfigSource>& files, std::string& error) {
    for (auto& f : files) {
        std::ifstream in(f.path, std::ios::binary);
        if (!in) {
            std::error_code ec;
            if (std::filesystem::exists(f.path, ec)) {
                error = "cannot read config file " + f.path;
                return false;
            }
            continue;
        }
        std::ostringstream text;
        text << in.rdbuf();
        f.text = text.str();
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    eco2::cli::Inputs inputs;
    inputs.environment = environment();
    inputs.config_files = eco2::cli::config_locations(inputs.environment);
    std::string config_error;
    if (!read_config_files(inputs.config_files, config_error)) {
        std::fprintf(stderr, "eco2: error: %s\n", config_error.c_str());
        return 2;
    }
    eco2::cli::Parsed p = eco2::cli::parse(args, inputs);
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
        return p.spec && p.spec->run ? p.spec->run(p.options) : 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "eco2: error: %s\n", eco2::cli::error_message(e).c_str());
        return 2;
    }
}
