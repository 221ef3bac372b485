#pragma once
/// \file record.hpp
/// The result of a tracked run: what stop() returns and what one CSV row holds.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "eco2/sensor.hpp"

namespace eco2 {

/// Energy of one component over the run, with where it came from.
struct ComponentEnergy {
    double joules = 0.0;     ///< energy in J (IT energy, before PUE)
    std::string source;      ///< e.g. "rapl(package-0+package-1)", "tdp-model(100 W default)", "none"
    bool estimated = false;  ///< true when modelled rather than read from a hardware counter
    double kwh() const noexcept { return joules / 3.6e6; }
};

/// Run status kept in the record.
enum class RunStatus {
    running,      ///< only in snapshots
    interrupted,  ///< checkpoint row: the tracker did not reach stop() (killed, crashed) if it is still so
    completed,    ///< stop() was reached
    budget_stopped,  ///< stopped because an energy / CO2 budget was crossed
};
std::string_view to_string(RunStatus s) noexcept;

/// One parameter of an epoch mark (eco2AI's new_epoch dict): a number or a text. Integers stay integers, so
/// the epoch text reads as eco2AI's (Python's str()): `batch: 32`, `loss: 1.0`, `lr: 1e-05`.
struct Param {
    std::string key;
    std::variant<double, std::int64_t, std::string> value;
};
/// Epoch parameters in the order given (eco2AI prints them in that order).
using EpochParams = std::vector<Param>;

/// Work done, reported by the user for the efficiency indicators. Items and FLOPs add up; the error rate
/// is the latest reported.
struct Work {
    std::optional<double> items;       ///< samples, tokens, images... processed
    std::optional<double> error_rate;  ///< 0..1 (1 - accuracy)
    std::optional<double> flops;       ///< floating-point operations done
};

/// Extrapolation of a training declared to last total_epochs, made after `after_epochs` measured ones.
struct Prediction {
    int after_epochs = 0;
    int total_epochs = 0;
    double duration_s = 0.0;
    double energy_kwh = 0.0;  ///< facility energy (x PUE)
    double co2_kg = 0.0;
    std::optional<double> cost;
};

/// The distributed job a run belongs to (torchrun, SLURM, Open MPI / MPICH), detected from the environment
/// (docs/scale-out.md). Every field may be empty: a run outside any launcher has none.
struct JobInfo {
    std::string job_id;  ///< the job (SLURM_JOB_ID, torchrun's run id...); empty: no job detected
    std::string source;  ///< what job_id came from: "ECO2_JOB_ID", "slurm", "torchrun", "mpi"
    std::optional<int> rank, local_rank, node_rank, world_size;
    std::optional<int> nodes;            ///< nodes of the job, when the launcher says
    std::vector<std::string> problems;  ///< variables ignored for a bad value, one line each
};

/// Everything eco2 knows about one run. Energies in J, durations in s, intensity in gCO2/kWh.
struct Result {
    std::string id;  ///< UUID v4 of the run
    std::string project_name;
    std::string experiment_description;
    std::string epoch = "N/A";  ///< eco2AI's epoch column ("N/A" outside training mode)
    std::chrono::system_clock::time_point start_time{};
    double duration_s = 0.0;
    ComponentEnergy cpu, gpu, ram;
    double pue = 1.0;
    double intensity_g_per_kwh = 0.0;  ///< mean carbon intensity applied
    std::string region;                ///< eco2AI's region/country column
    std::string location_source;       ///< how the intensity was chosen ("flag --intensity", "default: world average")
    std::optional<double> cost;        ///< electricity cost, when a tariff is known
    std::string currency;              ///< of cost
    std::string cpu_name, gpu_name, os, host;
    Scope scope = Scope::process;
    RunStatus status = RunStatus::running;
    std::optional<int> exit_code;  ///< of the wrapped command (eco2 run), when known
    std::uint64_t samples = 0;         ///< number of sampler ticks
    std::uint64_t read_failures = 0;   ///< sensor reads that failed during the run
    std::vector<std::string> warnings; ///< problems met during the run (one line each)
    /// Training mode: 1-based epoch number of this row (0 outside training mode), its parameters as a JSON
    /// object (machine-readable twin of the epoch column), and whether it is the part after the last mark.
    int epoch_number = 0;
    std::string epoch_params_json;
    bool partial_epoch = false;
    Work work;                          ///< reported work for this row (efficiency indicators)
    double efficiency_alpha = 1.0;      ///< exponent of the error in the energy-precision ratio
    std::optional<Prediction> prediction;  ///< once made, carried by every later row
    /// Where the tree's CPU time comes from: "cgroup(cpu.stat)", "proc(ticks+wait4)", "proc(ticks+getrusage)",
    /// "proc(ticks)", with "; auto-reaped children partly seen" when children a parent did not reap were seen.
    std::string tree_source;
    /// Processes of the tree still running when its root had exited (eco2 run: when the command exited;
    /// with --wait-tree, when measuring stopped). Empty while the root runs (a library's own process).
    std::optional<int> left_running;
    /// CPU time counted for the tree over this row, s (process scope; in machine scope the tree is the
    /// tracking process's).
    double cpu_time_s = 0.0;
    /// The job and ranks of this run (records columns job_id, rank, local_rank, node_rank, world_size).
    JobInfo job;

    /// IT energy of all components, J.
    double it_joules() const noexcept { return cpu.joules + gpu.joules + ram.joules; }
    /// Facility energy = IT energy x PUE, kWh (eco2AI's power_consumption(kWh)).
    double energy_kwh() const noexcept { return it_joules() * pue / 3.6e6; }
    /// Emissions, kg CO2.
    double co2_kg = 0.0;
    /// True when any component energy is modelled rather than measured.
    bool estimated() const noexcept { return cpu.estimated || gpu.estimated || ram.estimated; }
    /// Energy per item (EPI), J per item: facility energy / items.
    std::optional<double> energy_per_item_j() const noexcept {
        if (!work.items || *work.items <= 0) return std::nullopt;
        return it_joules() * pue / *work.items;
    }
    /// Energy-precision ratio M = error^alpha x EPI (lower is better).
    std::optional<double> energy_precision_ratio() const noexcept;
    /// FLOP per joule of facility energy.
    std::optional<double> flop_per_joule() const noexcept {
        if (!work.flops || it_joules() <= 0) return std::nullopt;
        return *work.flops / (it_joules() * pue);
    }
};

}  // namespace eco2
