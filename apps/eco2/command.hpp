#pragma once
// The command table of `eco2`: each cmd_<name>.cpp defines one CommandSpec (name, one-line help, its option
// rows, checks, run); command_list.cpp names them, in `eco2 --help` order. An option is one OptionRow: its
// flags, config type, ECO2_* variable, config key, help and validator, and where its value goes (bind). The
// parse engine (cli.cpp) builds --help, the environment and config-file fallbacks and the config-key checks
// from the rows. Defaults are the initial values of the fields the rows fill. See
// docs/architecture.md for the recipe.

#include <CLI/CLI.hpp>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "cli.hpp"

namespace eco2::cli {

/// What a value must look like in a config file; paths there are relative to the file's directory.
enum class Kind { text, path, number, integer, boolean, tariff };

struct OptionRow;
/// Adds the row's CLI11 option to the command, bound to where its value goes; `help` is the row's help with
/// its [env ...; config ...] suffix. Returns the option (the engine adds the row's validator).
using Binder = CLI::Option* (*)(CLI::App& app, const OptionRow& row, const std::string& help, Options& o);

struct OptionRow {
    const char* flags;  ///< CLI11 names: "-o,--output"; the long name ("output") names it in `given`
    const char* env;    ///< ECO2_* fallback, or nullptr
    const char* key;    ///< config-file key ("pue", "pricing.tariff"), or nullptr
    Kind kind;          ///< what the config file must hold
    const char* help;
    Binder bind;                            ///< bind<&Options::pue>, bind<&MyOptions::x>, or a lambda
    CLI::Validator (*check)() = nullptr;    ///< checks::positive, ..., or nullptr
};
using RowGroup = std::span<const OptionRow>;

struct CommandSpec {
    std::string_view name;
    std::string_view help;  ///< one line, for `eco2 --help`
    /// The option groups, in --help order (shared groups: shared_options.hpp); null: no options.
    std::vector<RowGroup> (*options)() = nullptr;
    /// Positionals, footer and CLI11 settings beyond the rows; may be null.
    void (*setup)(CLI::App& app, Options& o) = nullptr;
    /// Checks across options once every value is in (may complete them, e.g. --cloud + --region); returns
    /// an error message (see help_hint) or "". May be null.
    std::string (*check)(Options& o) = nullptr;
    /// Does the command: returns the process exit status; eco2::Error thrown is reported with status 2.
    int (*run)(const Options& o) = nullptr;
    /// Takes a program after its options (`eco2 run [OPTIONS] -- COMMAND ARGS`); others refuse "--".
    bool runs_program = false;
};

/// Every command, in `eco2 --help` order (command_list.cpp).
std::span<const CommandSpec* const> commands();
/// The command named so, or nullptr.
const CommandSpec* find_command(std::string_view name);

/// "\n  see 'eco2 NAME --help' for the options": the tail of a check's message.
std::string help_hint(std::string_view command);

/// The CLI's names of the settings library messages mention (eco2::SettingNames): the long flag of the row
/// whose config key is `setting` (or, for a row without one, whose long name is `setting` with '-' for '_'),
/// then the value: ("output", "") -> "--output", ("metric", "f1") -> "--metric f1". "" for no such row.
std::string option_name(std::string_view setting, std::string_view value);
/// option_name() with the row's other ways to set it and a note: ("region", "ZONE", "NOTE") ->
/// "--region ZONE (or ECO2_REGION, or region in eco2.toml; NOTE)". "" for no such row.
std::string option_name_and_fallbacks(std::string_view setting, std::string_view value,
                                      std::string_view note = {});
/// e.what(), with the settings an eco2::Error mentions named by option_name().
std::string error_message(const std::exception& e);

// ---- binding a row to its field ------------------------------------------------------------------------
namespace bind_detail {
template <class M>
struct member;
template <class S, class T>
struct member<T S::*> {
    using owner = S;
    using type = T;
};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace bind_detail

/// Binds a row to a field: of Options, or of a command's own struct (kept in Options::own<S>()).
/// bool: a flag; std::optional<T>: set when given; anything else CLI11 converts (string, number, vector).
template <auto Field>
CLI::Option* bind(CLI::App& app, const OptionRow& row, const std::string& help, Options& o) {
    using M = bind_detail::member<decltype(Field)>;
    using T = typename M::type;
    auto& value = [&o]() -> T& {
        if constexpr (std::is_same_v<typename M::owner, Options>)
            return o.*Field;
        else
            return o.own<typename M::owner>().*Field;
    }();
    if constexpr (std::is_same_v<T, bool>) {
        return app.add_flag(row.flags, value, help);
    } else if constexpr (bind_detail::is_optional<T>::value) {
        using V = typename T::value_type;
        return app.add_option_function<V>(
            row.flags, [&value](const V& v) { value = v; }, help);
    } else {
        return app.add_option(row.flags, value, help);
    }
}

}  // namespace eco2::cli
