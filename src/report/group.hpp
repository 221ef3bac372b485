#pragma once
// Totals of records rows per group (project, experiment, run, epoch, host, job): what `eco2 summary` prints
// and what `eco2 compare` and the HTML report start from. Streaming: rows are added one at a time, memory grows
// with the number of groups and runs, never with the rows.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "report/records_reader.hpp"

namespace eco2::detail {

enum class GroupBy { project, experiment, run, epoch, host, job };
std::string_view to_string(GroupBy g) noexcept;
/// "project", "experiment", "run", "epoch", "host", "job"; nullopt for anything else.
std::optional<GroupBy> parse_group_by(std::string_view s) noexcept;

/// A sum that knows whether anything was added (eco2AI's files have no per-component energy: "-", not 0).
struct Sum {
    double value = 0.0;
    bool any = false;
    void add(double v) noexcept {
        if (v == v) {  // not NaN: an empty cell adds nothing
            value += v;
            any = true;
        }
    }
};

/// One group's totals. Energies in J, CO2 in kg.
struct GroupTotals {
    std::string key;        ///< the project, experiment, run id, epoch ("3", "4 (partial)", "N/A"), host or job
    std::size_t rows = 0;   ///< records rows (a training's epochs are one row each)
    std::size_t runs = 0;   ///< distinct run ids
    std::size_t estimated_rows = 0, interrupted_rows = 0;
    std::size_t ranks = 0;  ///< distinct ranks (rows with a rank column), for jobs
    Sum duration_s, energy_j, cpu_j, gpu_j, ram_j, co2_kg, cost, items;
    /// Energy-weighted mean carbon intensity, gCO2/kWh: CO2 / facility energy. NaN without energy.
    double intensity_g_per_kwh() const noexcept;
};

/// Adds rows and hands back the groups' totals.
class Grouper {
public:
    explicit Grouper(GroupBy by) : m_by(by) {}
    void add(const RecordRow& row);
    /// The groups (projects, experiments and hosts sorted by name, epochs by number, runs and jobs in the order
    /// they first appear) and the total of all rows (key "all"). Call once, after the last add().
    std::vector<GroupTotals> groups();
    GroupTotals total();

private:
    std::size_t index_of(const RecordRow& row);

    GroupBy m_by;
    std::vector<GroupTotals> m_groups;
    std::vector<int> m_epoch;  // per group: its epoch number (sorting)
    std::unordered_map<std::string, std::size_t> m_index;
    std::string m_key;  // the current row's key (reused)
    std::string m_last_key;
    std::size_t m_last = 0;
    bool m_have_last = false;
    // (group, hash of the run id) at each change of run within a group: runs counted at the end (rows of one
    // run usually follow each other, so this holds about one entry per run, 16 bytes).
    std::vector<std::pair<std::size_t, std::uint64_t>> m_runs, m_ranks;
    std::vector<std::uint64_t> m_last_run;  // per group
};

/// The rows of `files` grouped (each file streamed in turn). Throws eco2::Error as RecordsReader does.
struct Grouped {
    std::vector<GroupTotals> groups;
    GroupTotals total;
    std::vector<std::string> notes;  ///< one line per file in another layout or with unknown columns
};
Grouped group_files(const std::vector<std::string>& files, GroupBy by);

}  // namespace eco2::detail
