#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "command.hpp"
#include "config/config_file.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"
#include "sys/text.hpp"

namespace eco2::cli {
namespace {

// "--intensity-series" of "-o,--output" is "output".
std::string long_name(const OptionRow& r) {
    std::string_view f = r.flags;
    const auto at = f.rfind("--");
    return std::string(f.substr(at + 2));
}

std::string help_of(const OptionRow& r) {
    std::string h = r.help;
    if (r.env && r.key)
        h += fmt::format(" [env {}; config {}]", r.env, r.key);
    else if (r.env)
        h += fmt::format(" [env {}]", r.env);
    else if (r.key)
        h += fmt::format(" [config {}]", r.key);
    return h;
}

// Every row of every command that has a config key, once per key, in table order: a config file serves all
// commands, so a key of `run` is no mistake for `eco2 where`.
std::vector<const OptionRow*> keyed_rows() {
    std::vector<const OptionRow*> rows;
    for (const CommandSpec* c : commands())
        if (c->options)
            for (RowGroup g : c->options())
                for (const OptionRow& r : g)
                    if (r.key && std::none_of(rows.begin(), rows.end(),
                                              [&](const OptionRow* k) { return std::string_view(k->key) == r.key; }))
                        rows.push_back(&r);
    return rows;
}

// Checks a config entry against its row; returns an error message or empty.
std::string check_entry(const std::vector<const OptionRow*>& keyed, const config::ConfigFile& file,
                        const config::ConfigEntry& e) {
    const auto it = std::find_if(keyed.begin(), keyed.end(), [&](const OptionRow* r) { return e.key == r->key; });
    if (it == keyed.end()) {
        std::vector<std::string> keys;
        for (const OptionRow* r : keyed) keys.emplace_back(r->key);
        std::string hint;
        for (const std::string& k : keys)
            if (hint.empty() &&
                (sys::edit_distance(k, e.key) <= 2 || e.key.starts_with(k + "_") || e.key.starts_with(k + "-")))
                hint = fmt::format(" (did you mean \"{}\"?)", k);
        return fmt::format("{}: unknown key \"{}\"{}; the keys are: {}", file.where(e), e.key, hint,
                           fmt::join(keys, ", "));
    }
    using T = config::ValueType;
    bool ok = false;
    const char* want = "";
    switch ((*it)->kind) {
        case Kind::text:
        case Kind::path:
            ok = e.type == T::string, want = "a string";
            break;
        case Kind::number:
            ok = e.type == T::integer || e.type == T::floating, want = "a number";
            break;
        case Kind::integer:
            ok = e.type == T::integer, want = "an integer";
            break;
        case Kind::boolean:
            ok = e.type == T::boolean, want = "true or false";
            break;
        case Kind::tariff:
            ok = e.type == T::string || e.type == T::table || e.type == T::integer || e.type == T::floating;
            want =
                "a string such as \"07:00-23:00=0.25,23:00-07:00=0.12\", a table of \"HH:MM-HH:MM\" = price, "
                "or "
                "one price";
            break;
    }
    if (!ok)
        return fmt::format("{}: {} must be {}, not {}", file.where(e), e.key, want, config::to_string(e.type));
    return {};
}

struct Sub {
    const CommandSpec* spec;
    CLI::App* app;
    std::vector<std::pair<const OptionRow*, CLI::Option*>> options;
};

// The candidate closest to word (edit distance at most a third of its length, at least 1; a candidate that
// starts with the word wins), or empty.
std::string nearest(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(1, word.size() / 3) + 1;
    for (const std::string& c : candidates) {
        std::size_t d = sys::edit_distance(word, c);
        if (word.size() >= 3 && c.starts_with(word)) d = std::min<std::size_t>(d, 1);
        if (d < best_d) best_d = d, best = c;
    }
    return best;
}

// "unknown option '--regoin': did you mean '--region'?" for the first argument that no option of the command
// has; empty when every option-like argument is known.
std::string unknown_option(const Sub& sub, const std::vector<std::string>& args) {
    std::vector<std::string> names = {"--help"};
    for (const auto& [row, opt] : sub.options) names.push_back("--" + long_name(*row));
    for (const std::string& a : args) {
        if (a.size() < 2 || a[0] != '-' || std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.')
            continue;
        const std::string name = a.substr(0, a.find('='));
        bool known = std::find(names.begin(), names.end(), name) != names.end();
        for (const auto& entry : sub.options) known = known || entry.second->check_name(name);
        if (known) continue;
        const std::string near = nearest(name, names);
        return fmt::format("unknown option '{}'{} (see 'eco2 {} --help')", name,
                           near.empty() ? std::string() : fmt::format(": did you mean '{}'?", near),
                           sub.app->get_name());
    }
    return {};
}

std::string join_results(const CLI::Option* opt) {
    std::string out;
    for (const std::string& s : opt->results()) out += out.empty() ? s : "," + s;
    return out;
}

}  // namespace

const Setting* Options::setting(std::string_view name) const {
    auto it = given.find(std::string(name));
    return it == given.end() || it->second.empty() ? nullptr : &it->second.front();
}

std::string Options::origin(std::string_view name) const {
    const Setting* s = setting(name);
    return s ? s->origin : "default";
}

std::string Options::cpu_origin() const {
    const char* name = cpu_tdp ? "cpu-tdp" : "cpu-name";
    const Setting* s = setting(name);
    if (!s) return "";
    switch (s->level) {
        case Level::flag:
            return std::string("--") + name;
        case Level::environment:
            return cpu_tdp ? "ECO2_CPU_TDP" : "ECO2_CPU_NAME";
        default:
            return fmt::format("config {} ({})", cpu_tdp ? "cpu_tdp" : "cpu_name", s->origin);
    }
}

void Options::apply_cpu(TrackerConfig& config) const {
    config.cpu_tdp_w = cpu_tdp;
    config.cpu_name = cpu_name;
    config.cpu_tdp_origin = cpu_origin();
}

std::vector<ConfigSource> config_locations(const std::map<std::string, std::string>& environment) {
    std::vector<ConfigSource> out;
    out.push_back({config::LOCAL_CONFIG_NAME, std::nullopt, Level::local_config});
    const auto user = config::user_config_path(environment);
    if (!user.empty()) out.push_back({user.string(), std::nullopt, Level::user_config});
    return out;
}

Parsed parse(const std::vector<std::string>& args_in, const Inputs& inputs) {
    Parsed p;
    Options& o = p.options;
    const auto fail = [&](std::string message) {
        p.error = std::move(message);
        p.exit_code = 2;
        return p;
    };

    // Everything after the first "--" is the command, untouched by the parser.
    std::vector<std::string> args = args_in;
    std::vector<std::string> command;
    bool had_separator = false;
    if (auto sep = std::find(args.begin(), args.end(), "--"); sep != args.end()) {
        command.assign(sep + 1, args.end());
        args.erase(sep, args.end());
        had_separator = true;
    }

    CLI::App app{"eco2: energy and CO2 of a command, a process tree or the machine", "eco2"};
    app.set_version_flag("--version", std::string("eco2 ") + std::string(eco2::version()));
    app.require_subcommand(0, 1);
    app.footer("Run 'eco2 <command> --help' for a command's options.");

    std::vector<Sub> subs;
    for (const CommandSpec* c : commands())
        subs.push_back({c, app.add_subcommand(std::string(c->name), std::string(c->help)), {}});
    // Only the named command gets its options: building every command's (about 50 each) cost every start
    // about 1 M instructions. `eco2 --help` lists the commands, not their options, so nothing else needs them.
    const std::string named = args.empty() ? std::string() : args.front();
    const auto chosen =
        std::find_if(subs.begin(), subs.end(), [&](const Sub& s) { return s.spec->name == named; });
    // An unknown command: say the nearest one rather than CLI11's "arguments were not expected".
    if (!named.empty() && named[0] != '-' && chosen == subs.end()) {
        std::vector<std::string> names;
        for (const Sub& s : subs) names.emplace_back(s.spec->name);
        const std::string near = nearest(named, names);
        return fail(fmt::format("unknown command '{}'{}; the commands are: {} (see 'eco2 --help')", named,
                                near.empty() ? std::string() : fmt::format(": did you mean 'eco2 {}'?", near),
                                fmt::join(names, ", ")));
    }
    if (chosen != subs.end()) {
        if (chosen->spec->options)
            for (RowGroup g : chosen->spec->options())
                for (const OptionRow& r : g) {
                    CLI::Option* opt = r.bind(*chosen->app, r, help_of(r), o);
                    if (r.check) opt->check(r.check());
                    chosen->options.emplace_back(&r, opt);
                }
        if (chosen->spec->setup) chosen->spec->setup(*chosen->app, o);
    }

    const auto active = [&]() -> Sub* {
        for (Sub& s : subs)
            if (app.got_subcommand(s.app)) return &s;
        return nullptr;
    };

    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        Sub* s = active();
        p.message = s ? s->app->help() : app.help();
        return p;
    } catch (const CLI::CallForVersion& e) {
        p.message = e.what();
        return p;
    } catch (const CLI::ParseError& e) {
        Sub* s = active();
        if (s && dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr)
            if (std::string msg = unknown_option(*s, std::vector<std::string>(args.begin() + 1, args.end()));
                !msg.empty())
                return fail(msg);
        if (!s && !named.empty() && named[0] == '-') {
            const std::string near = nearest(named.substr(0, named.find('=')), {"--help", "--version"});
            return fail(
                fmt::format("unknown option '{}'{}; eco2's own options are --help and --version, each "
                            "command has its own (eco2 COMMAND --help)",
                            named, near.empty() ? std::string() : fmt::format(": did you mean '{}'?", near)));
        }
        return fail(fmt::format("{}\n  see '{}' for the options", e.what(),
                                s ? "eco2 " + s->app->get_name() + " --help" : std::string("eco2 --help")));
    }

    Sub* sub = active();
    if (!sub) {
        if (args.empty() && !had_separator)
            return fail("no command given: try 'eco2 run -- COMMAND' (see 'eco2 --help')");
        p.message = app.help();
        return p;
    }
    p.command = Command(sub->spec->name);
    p.spec = sub->spec;

    // Config files, highest precedence first; every key of every file must be known and well typed.
    std::vector<ConfigSource> sources = inputs.config_files;
    std::stable_sort(sources.begin(), sources.end(),
                     [](const ConfigSource& a, const ConfigSource& b) { return a.level > b.level; });
    o.config_files = sources;
    const std::vector<const OptionRow*> keyed = keyed_rows();
    std::vector<std::pair<config::ConfigFile, Level>> files;
    for (const ConfigSource& src : sources) {
        if (!src.text) continue;
        try {
            files.emplace_back(config::parse_config(*src.text, src.path, {"pricing.tariff"}), src.level);
        } catch (const Error& e) {
            return fail(e.what());
        }
        for (const config::ConfigEntry& e : files.back().first.entries)
            if (std::string msg = check_entry(keyed, files.back().first, e); !msg.empty()) return fail(msg);
    }

    // Fallbacks for the options not given as flags: environment, then ./eco2.toml, then the user's file.
    for (auto& [row, opt] : sub->options) {
        const std::string name = long_name(*row);
        std::vector<Setting> all;
        if (opt->count() > 0) all.push_back({join_results(opt), "flag --" + name, Level::flag});
        if (row->env)
            if (auto it = inputs.environment.find(row->env); it != inputs.environment.end() && !it->second.empty())
                all.push_back({it->second, fmt::format("environment {}", row->env), Level::environment});
        if (row->key) {
            for (const auto& [file, level] : files) {
                for (const config::ConfigEntry& e : file.entries) {
                    if (e.key != row->key) continue;
                    std::string value = e.text;
                    if (row->kind == Kind::path && !value.empty() && std::filesystem::path(value).is_relative())
                        value = (std::filesystem::path(file.path).parent_path() / value).lexically_normal().string();
                    all.push_back({value, file.where(e), level});
                }
            }
        }
        if (all.empty()) continue;
        o.given[name] = all;
        if (opt->count() > 0) continue;
        const Setting& use = all.front();
        try {
            opt->add_result(use.value);
            opt->run_callback();
        } catch (const CLI::ParseError& e) {
            const std::string what =
                use.level == Level::environment ? fmt::format("{}={}", row->env, use.value) : use.origin;
            return fail(fmt::format("{}: {}{}", what, e.what(), help_hint(sub->spec->name)));
        }
    }

    if (sub->spec->check)
        if (std::string msg = sub->spec->check(o); !msg.empty()) return fail(msg);

    if (!sub->spec->runs_program) {
        if (had_separator)
            return fail(fmt::format("'eco2 {}' runs no command: nothing goes after '--'", sub->spec->name));
        return p;
    }
    std::vector<std::string> rest = sub->app->remaining();
    if (had_separator) {
        if (!rest.empty() && rest.front().starts_with("-"))
            if (std::string msg = unknown_option(*sub, {rest.front()}); !msg.empty()) return fail(msg);
        if (!rest.empty())
            return fail("unexpected '" + rest.front() +
                        "' before '--': put eco2's options before '--' and the command after it");
        o.command = std::move(command);
    } else {
        o.command = std::move(rest);
    }
    const std::string runs = "eco2 " + std::string(sub->spec->name);
    if (o.command.empty())
        return fail("no command to run: put it after '--', e.g. '" + runs + " -- python3 train.py'");
    if (!o.command.front().empty() && o.command.front()[0] == '-' && !had_separator) {
        if (std::string msg = unknown_option(*sub, {o.command.front()}); !msg.empty())
            return fail(msg + "; put the command after '--'");
        return fail("unknown option '" + o.command.front() + "' (see '" + runs +
                    " --help'); put the command after '--'");
    }
    return p;
}

}  // namespace eco2::cli
