#pragma once
// Command-line parsing for `eco2`: a pure function from arguments, environment variables and config-file
// contents to options, so that it is unit-tested without running anything. The command table (command.hpp:
// each command's option rows) drives the parser, the --help texts, the ECO2_* environment fallbacks and the
// config-file keys; precedence: flag > environment > ./eco2.toml > user config file > default.

#include <any>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "eco2/sensor.hpp"
#include "eco2/tracker.hpp"

namespace eco2::cli {

struct CommandSpec;

/// A command of the table, by name (Command::none: no command); the constants name the first commands.
class Command {
public:
    constexpr Command() = default;
    constexpr explicit Command(std::string_view name) : name_(name) {}
    constexpr std::string_view name() const { return name_; }
    friend constexpr bool operator==(Command, Command) = default;
    friend std::ostream& operator<<(std::ostream& os, Command c) { return os << "Command(" << c.name_ << ")"; }

    static const Command none, run, sensors, version, regions, where, estimate, mark;

private:
    std::string_view name_;
};
inline constexpr Command Command::none{};
inline constexpr Command Command::run{"run"};
inline constexpr Command Command::sensors{"sensors"};
inline constexpr Command Command::version{"version"};
inline constexpr Command Command::regions{"regions"};
inline constexpr Command Command::where{"where"};
inline constexpr Command Command::estimate{"estimate"};
inline constexpr Command Command::mark{"mark"};

/// Where a value came from, lowest precedence first.
enum class Level { default_value, user_config, local_config, environment, flag };

/// One value given for an option, and where.
struct Setting {
    std::string value;
    std::string origin;  ///< "flag --pue", "environment ECO2_PUE", "eco2.toml:3",
                         ///< "/home/u/.config/eco2/config.toml:2"
    Level level = Level::default_value;
};

/// A config file eco2 looked at.
struct ConfigSource {
    std::string path;                   ///< as shown in messages
    std::optional<std::string> text;    ///< nullopt: no such file
    Level level = Level::local_config;  ///< user_config or local_config
};

/// What parse() reads besides the arguments (main() captures them; tests make them up).
struct Inputs {
    std::map<std::string, std::string> environment;  ///< at least the ECO2_* variables
    std::vector<ConfigSource> config_files;
};

/// Every option of every command (each command reads the ones it shows in its --help).
struct Options {
    // eco2 run: records and sampling
    std::string output = "emission.csv";
    std::string jsonl;  ///< JSON lines of the samples; empty: none
    std::string project = "default";
    std::string experiment = "default";
    double period = 1.0;
    double checkpoint = 10.0;
    Scope scope = Scope::process;
    double pue = 1.0;
    std::optional<double> cpu_tdp;  ///< W, all sockets; empty: powercap > table > 100 W
    std::string cpu_name;           ///< model looked up in the TDP table; empty: /proc/cpuinfo's
    bool series = true;
    bool quiet = false;
    std::string cgroup = "auto";  ///< auto | off | a cgroup v2 directory to create the run's cgroup in
    bool wait_tree = false;       ///< after the command exits, measure until its tree has exited
    std::vector<std::string> command;  ///< the program and its arguments (after --)

    // eco2 run: training, prediction, budgets (marks come through the control channel)
    int epochs = 0;          ///< declared epochs; 0: no prediction
    int predict_after = 1;   ///< epochs measured before predicting
    std::optional<double> budget_kwh, budget_kg;
    bool stop_on_budget = false;
    double grace = 10.0;     ///< s between SIGTERM and SIGKILL of a budget stop
    double alpha = 1.0;      ///< error exponent of the energy-precision ratio

    // eco2 mark
    std::string mark_kind;                 ///< epoch | work
    std::vector<std::string> mark_params;  ///< key=value (epoch)
    std::optional<double> items, error_rate, flops;  ///< work

    // carbon intensity and location (run, where, estimate)
    std::optional<std::string> region;
    std::string cloud;  ///< aws | gcp | azure: --region names a region of that provider; empty: none
    std::optional<int> year;
    bool marginal = false;
    std::optional<double> intensity;
    std::string intensity_series;  ///< file; empty: none
    std::string intensity_table;   ///< file; empty: none
    bool geolocate = false;
    std::string geolocate_url;       ///< empty: the default service
    double geolocate_timeout = 2.0;  ///< s

    // electricity price
    std::string tariff;    ///< "07:00-23:00=0.25,23:00-07:00=0.12"; empty: no cost
    std::string currency;  ///< "EUR"

    // listings
    std::string format = "table";  ///< table | json (| csv for regions)
    std::string query;             ///< eco2 regions QUERY

    // eco2 estimate
    bool list = false;  ///< eco2 estimate --list: the accelerator table
    std::string gpu;
    int gpus = 1;
    std::optional<double> gpu_watts;
    std::string cpu;
    int cpus = 1;
    int cpu_cores = 0;
    double cpu_watts_per_core = 0.0;
    double memory_gb = 0.0;
    std::optional<double> hours;
    double usage = 1.0;
    std::optional<double> energy_kwh;
    std::string start;  ///< "HH:MM": local start time, for the cost under a tariff

    /// Every value given for an option (by long name, "pue", "intensity-series"), highest precedence first;
    /// the first is the one used.
    std::map<std::string, std::vector<Setting>> given;
    /// The config files looked at, highest precedence first.
    std::vector<ConfigSource> config_files;

    /// The setting used for an option, nullptr when the default applies.
    const Setting* setting(std::string_view name) const;
    /// Where the value used came from ("flag --pue"...), or "default".
    std::string origin(std::string_view name) const;
    /// Where --cpu-tdp (else --cpu-name) came from, short, for the record's cpu_source: "--cpu-tdp",
    /// "ECO2_CPU_TDP", "config cpu_tdp (eco2.toml:3)".
    std::string cpu_origin() const;
    /// Copies --cpu-tdp / --cpu-name into a tracker configuration.
    void apply_cpu(TrackerConfig& config) const;

    /// The options of a command (or an option group) that keeps them in a struct of its own, S: rows bind
    /// to its fields (bind<&S::field>), the command reads o.own<S>(). Default-constructed on first use.
    template <class S>
    S& own() {
        std::any& slot = own_[std::type_index(typeid(S))];
        if (!slot.has_value()) slot.emplace<S>();
        return std::any_cast<S&>(slot);
    }
    /// The values, or S's defaults when no row of S was bound.
    template <class S>
    const S& own() const {
        static const S defaults{};
        auto it = own_.find(std::type_index(typeid(S)));
        return it == own_.end() ? defaults : std::any_cast<const S&>(it->second);
    }

private:
    std::map<std::type_index, std::any> own_;
};

struct Parsed {
    Command command = Command::none;
    const CommandSpec* spec = nullptr;  ///< the command's table entry (nullptr: none)
    Options options;
    /// When set, print this (help or version text) on stdout and exit with exit_code.
    std::optional<std::string> message;
    /// When set, print "eco2: error: <error>" on stderr and exit with exit_code.
    std::optional<std::string> error;
    int exit_code = 0;
};

/// Parses argv[1..] with the environment and config files given. Never throws, never prints, never exits,
/// reads no file.
Parsed parse(const std::vector<std::string>& args, const Inputs& inputs = {});

/// The config files to look at for an environment and working directory, highest precedence first:
/// ./eco2.toml, then the user's (see config::user_config_path). Their text is not read.
std::vector<ConfigSource> config_locations(const std::map<std::string, std::string>& environment);

}  // namespace eco2::cli
