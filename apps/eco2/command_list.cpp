// The commands of `eco2`, in `eco2 --help` order: one line each; X(name) names `name_command`, the
// CommandSpec that apps/eco2/cmd_<name>.cpp defines.

#include <algorithm>

#include "command.hpp"

#define ECO2_COMMANDS(X) \
    X(run)               \
    X(sensors)           \
    X(regions)           \
    X(where)             \
    X(estimate)          \
    X(mark)              \
    X(version)

namespace eco2::cli {

#define ECO2_DECLARE(name) extern const CommandSpec name##_command;
ECO2_COMMANDS(ECO2_DECLARE)
#undef ECO2_DECLARE

std::span<const CommandSpec* const> commands() {
#define ECO2_ADDRESS(name) &name##_command,
    static const CommandSpec* const list[] = {ECO2_COMMANDS(ECO2_ADDRESS)};
#undef ECO2_ADDRESS
    return list;
}

const CommandSpec* find_command(std::string_view name) {
    for (const CommandSpec* c : commands())
        if (c->name == name) return c;
    return nullptr;
}

std::string help_hint(std::string_view command) {
    return "\n  see 'eco2 " + std::string(command) + " --help' for the options";
}

}  // namespace eco2::cli
