#include "report/group.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <iostream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace eco2::detail {
namespace {

constexpr std::array<std::string_view, 6> NAMES{"project", "experiment", "run", "epoch", "host", "job"};

std::uint64_t hash_of(std::string_view s) noexcept {
    // FNV-1a, 64 bits: a collision between two run ids of one group is 1 in 2^64 per pair.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

void add_to(GroupTotals& g, const RecordRow& row) {
    ++g.rows;
    g.duration_s.add(row.duration_s);
    g.energy_j.add(row.energy_j);
    g.cpu_j.add(row.cpu_j);
    g.gpu_j.add(row.gpu_j);
    g.ram_j.add(row.ram_j);
    g.co2_kg.add(row.co2_kg);
    g.cost.add(row.cost);
    g.items.add(row.items);
    if (row.is_estimated()) ++g.estimated_rows;
    if (row.status == "interrupted") ++g.interrupted_rows;
}

// Counts distinct values per group from (group, value) pairs; sorts them.
void count_distinct(std::vector<std::pair<std::size_t, std::uint64_t>>& pairs, std::vector<GroupTotals>& groups,
                    std::size_t GroupTotals::*field) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    for (const auto& p : pairs) ++(groups[p.first].*field);
}

}  // namespace

std::string_view to_string(GroupBy g) noexcept {
    return NAMES[static_cast<std::size_t>(g)];
}

std::optional<GroupBy> parse_group_by(std::string_view s) noexcept {
    for (std::size_t i = 0; i < NAMES.size(); ++i)
        if (NAMES[i] == s) return static_cast<GroupBy>(i);
    return std::nullopt;
}

double GroupTotals::intensity_g_per_kwh() const noexcept {
    if (!energy_j.any || energy_j.value <= 0) return std::nan("");
    return co2_kg.value * 1000.0 / (energy_j.value / 3.6e6);
}

std::size_t Grouper::index_of(const RecordRow& row) {
    switch (m_by) {
        case GroupBy::project: m_key.assign(row.project_name); break;
        case GroupBy::experiment: m_key.assign(row.experiment_description); break;
        case GroupBy::run: m_key.assign(row.id); break;
        case GroupBy::host: m_key.assign(row.host); break;
        case GroupBy::job: m_key.assign(row.job_id.empty() ? row.id : row.job_id); break;
        case GroupBy::epoch: {
            const int n = epoch_number(row);
            const bool partial = row.epoch_params.find("\"partial\":true") != std::string_view::npos ||
                                 row.epoch.ends_with("(partial)");
            m_key = n == 0 ? std::string("N/A") : fmt::format("{}{}", n, partial ? " (partial)" : "");
            break;
        }
    }
    if (m_have_last && m_key == m_last_key) return m_last;  // rows of a group usually come together
    auto [it, added] = m_index.try_emplace(m_key, m_groups.size());
    if (added) {
        m_groups.emplace_back().key = m_key;
        m_epoch.push_back(m_by == GroupBy::epoch ? epoch_number(row) : 0);
        m_last_run.push_back(0);
    }
    m_last_key = m_key;
    m_last = it->second;
    m_have_last = true;
    return m_last;
}

void Grouper::add(const RecordRow& row) {
    const std::size_t g = index_of(row);
    add_to(m_groups[g], row);
    const std::uint64_t run = hash_of(row.id);
    if (m_groups[g].rows == 1 || m_last_run[g] != run) m_runs.emplace_back(g, run);
    m_last_run[g] = run;
    if (row.rank == row.rank) m_ranks.emplace_back(g, static_cast<std::uint64_t>(row.rank));
}

GroupTotals Grouper::total() {
    GroupTotals all;
    all.key = "all";
    for (const GroupTotals& g : m_groups) {
        all.rows += g.rows;
        all.estimated_rows += g.estimated_rows;
        all.interrupted_rows += g.interrupted_rows;
        for (auto [to, from] : {std::pair{&all.duration_s, &g.duration_s}, {&all.energy_j, &g.energy_j},
                                {&all.cpu_j, &g.cpu_j}, {&all.gpu_j, &g.gpu_j}, {&all.ram_j, &g.ram_j},
                                {&all.co2_kg, &g.co2_kg}, {&all.cost, &g.cost}, {&all.items, &g.items}})
            if (from->any) to->add(from->value);
    }
    // Runs across groups: the distinct run ids of all of them.
    std::vector<std::uint64_t> runs;
    runs.reserve(m_runs.size());
    for (const auto& p : m_runs) runs.push_back(p.second);
    std::sort(runs.begin(), runs.end());
    all.runs = static_cast<std::size_t>(std::unique(runs.begin(), runs.end()) - runs.begin());
    return all;
}

std::vector<GroupTotals> Grouper::groups() {
    std::vector<GroupTotals> out = m_groups;
    count_distinct(m_runs, out, &GroupTotals::runs);
    count_distinct(m_ranks, out, &GroupTotals::ranks);
    std::vector<std::size_t> order(out.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (m_by == GroupBy::epoch) {
        // N/A (0) last; a partial epoch after the whole one of the same number
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            const auto ka = std::pair(m_epoch[a] == 0 ? INT32_MAX : m_epoch[a], out[a].key.size());
            const auto kb = std::pair(m_epoch[b] == 0 ? INT32_MAX : m_epoch[b], out[b].key.size());
            return ka < kb;
        });
    } else if (m_by != GroupBy::run && m_by != GroupBy::job) {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out[a].key < out[b].key; });
    }
    std::vector<GroupTotals> sorted;
    sorted.reserve(out.size());
    for (std::size_t i : order) sorted.push_back(std::move(out[i]));
    return sorted;
}

Grouped group_files(const std::vector<std::string>& files, GroupBy by) {
    Grouped out;
    Grouper grouper(by);
    RecordRow row;
    for (const std::string& file : files) {
        std::optional<RecordsReader> reader;
        if (file == "-") reader.emplace(std::cin, "standard input");
        else reader.emplace(std::filesystem::path(file));
        if (reader->layout() == RecordLayout::eco2ai)
            out.notes.push_back(file + ": eco2AI's 13 columns (no per-component energy: shown as -)");
        if (!reader->unknown_columns().empty())
            out.notes.push_back(fmt::format("{}: columns skipped (unknown to this eco2): {}", file,
                                            fmt::join(reader->unknown_columns(), ", ")));
        while (reader->next(row)) grouper.add(row);
    }
    out.total = grouper.total();
    out.groups = grouper.groups();
    return out;
}

}  // namespace eco2::detail
