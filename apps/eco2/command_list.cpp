// The commands of `eco2`, in `eco2 --help` order: one line each; X(name) names `name_command`, the
// CommandSpec that apps/eco2/cmd_<name>.cpp defines.

#include <algorithm>
#include <string>
#include <utility>

#include "command.hpp"
#include "eco2/error.hpp"

#define ECO2_COMMANDS(X) \
    X(run)               \
    X(sensors)           \
    X(regions)           \
    X(where)             \
    X(estimate)          \
    X(mark)              \
    X(agent)             \
    X(summary)           \
    X(compare)           \
    X(report)            \
    X(card)              \
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

namespace {
// The row that sets `setting` (see option_name()) and its long flag ("--metric"); {nullptr, ""} for none.
std::pair<const OptionRow*, std::string> option_row(std::string_view setting) {
    for (const CommandSpec* c : commands()) {
        if (!c->options) continue;
        for (RowGroup group : c->options())
            for (const OptionRow& row : group) {
                const std::string_view flags = row.flags;
                const auto at = flags.find("--");
                if (at == std::string_view::npos) continue;
                std::string flag(flags.substr(at, flags.find(',', at) - at));
                std::string name = flag.substr(2);
                std::replace(name.begin(), name.end(), '-', '_');
                if (row.key ? setting == row.key : setting == name) return {&row, std::move(flag)};
            }
    }
    return {nullptr, {}};
}
}  // namespace

std::string option_name(std::string_view setting, std::string_view value) {
    const auto [row, flag] = option_row(setting);
    if (!row) return {};
    return value.empty() ? flag : flag + " " + std::string(value);
}

std::string option_name_and_fallbacks(std::string_view setting, std::string_view value,
                                      std::string_view note) {
    const auto [row, flag] = option_row(setting);
    if (!row) return {};
    std::string alternatives;
    if (row->env) alternatives = std::string("or ") + row->env;
    if (row->key)
        alternatives += (alternatives.empty() ? "or " : ", or ") + std::string(row->key) + " in eco2.toml";
    if (!note.empty()) alternatives += (alternatives.empty() ? "" : "; ") + std::string(note);
    const std::string name = option_name(setting, value);
    return alternatives.empty() ? name : name + " (" + alternatives + ")";
}

std::string error_message(const std::exception& e) {
    const auto* error = dynamic_cast<const Error*>(&e);
    return error ? error->what(option_name) : e.what();
}

}  // namespace eco2::cli
