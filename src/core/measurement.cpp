#include "core/measurement.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/tracker_setup.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"
#include "eco2/tracker_config.hpp"
#include "sensors/ram_model_sensor.hpp"
#include "sys/system_context.hpp"

namespace eco2::detail {

SensorSet discover_sensors(const sys::SystemContext& context, const TrackerConfig& cfg) {
    return discover_sensors(context,
                            DiscoveryRequest{cfg.sampling.scope, CpuHint{cfg.cpu_tdp_w, cfg.cpu_name, cfg.cpu_tdp_origin}});
}

void Measurement::discover(const TrackerConfig& cfg, bool list_processes) {
    m_context = sys::SystemContext::from_process(cfg.paths);  // the run's one read of the environment
    m_fs = m_context->fs();
    m_sensors = discover_sensors(*m_context, cfg);
    std::vector<Channel> channels;
    m_offsets.clear();
    for (const auto& s : m_sensors.sensors) {
        m_offsets.push_back(channels.size());
        channels.insert(channels.end(), s->channels().begin(), s->channels().end());
    }
    m_values.assign(channels.size(), std::nan(""));
    m_used = std::make_unique<bool[]>(channels.size());
    m_process_lists = std::any_of(channels.begin(), channels.end(),
                                  [](const Channel& c) { return c.attribution == Attribution::process_list; });
    m_acc = std::make_unique<Accumulator>(std::move(channels));

    const SamplingConfig& s = cfg.sampling;
    ProcessTree::Options topt;
    topt.root = s.root_pid;
    topt.count_from_root_start = s.count_from_root_start;
    // /proc/stat and /proc/meminfo only when a sensor or the process share of RAPL uses them.
    topt.machine = machine_fields(m_sensors) | m_acc->machine_fields();
    topt.subreaper = s.subreaper_pid;
    topt.own_cgroup = s.cgroup_dir;
    topt.memory_stat = s.memory_stat;
    topt.memory_stat_v1 = s.memory_stat_v1;
    // The process count of the ticks, with the cgroup source (which lists the processes only when asked).
    topt.pids_interval_s = list_processes ? 1.0 : 0.0;
    m_tree = std::make_unique<ProcessTree>(m_fs, topt);
    m_sensors.reports.insert(m_sensors.reports.begin(), m_tree->probe());
}

void Measurement::baseline(bool count_from_root_start) {
    m_sample = TreeSample{};
    m_tree->sample(0.0, true, m_sample);
    m_sensors.reports.insert(m_sensors.reports.begin() + 1, m_tree->probe_cgroup());
    // Counting from the root's start: the CPU time it used before this first sample gets its energy
    // too, so the baseline is taken at zero tree CPU time.
    const double first_cpu_s = m_sample.tree_cpu_s;
    if (count_from_root_start) m_sample.tree_cpu_s = 0.0;
    read_sensors();
    m_acc->begin(m_sample, m_values.data());
    m_sample.tree_cpu_s = first_cpu_s;
    // The first process lists: who is on each GPU at the start.
    for (std::size_t i = 0; i < m_sensors.sensors.size(); ++i)
        m_sensors.sensors[i]->slow_update(m_sample, m_used.get() + m_offsets[i]);
    m_acc->settle(m_used.get());
}

std::string Measurement::join_job(const JobInfo& job, const std::filesystem::path& runtime_dir, Scope scope) {
    m_node.reset();
    try {
        m_node = NodeShare::make(job, runtime_dir, m_acc->channels(), scope);
        if (m_node) m_node->start(*m_acc, m_values.data());
    } catch (const Error& e) {
        return std::string(e.what()) + ": this rank counts the node's devices itself";
    }
    return {};
}

void Measurement::read_sensors() noexcept {
    for (std::size_t i = 0; i < m_sensors.sensors.size(); ++i)
        m_sensors.sensors[i]->read(m_sample, m_values.data() + m_offsets[i]);
}

ComponentJoules Measurement::read(const TickPlan& plan) noexcept {
    if (plan.tree) {
        m_tree->sample(plan.t, plan.discover, m_sample, plan.final);
        m_sample.fresh = true;
    } else {
        m_sample.t = plan.t;
        m_sample.fresh = false;
    }
    read_sensors();
    if (m_node) m_node->poll(*m_acc);
    ComponentJoules added = m_acc->update(m_sample, m_values.data());
    if (plan.slow) {
        // The cgroup source reads no process per tick: the GPU process lists get the members now (the
        // final sample has just read them).
        if (m_process_lists && !plan.final) m_tree->read_pids(m_sample);
        for (std::size_t i = 0; i < m_sensors.sensors.size(); ++i)
            m_sensors.sensors[i]->slow_update(m_sample, m_used.get() + m_offsets[i]);
        const ComponentJoules settled = m_acc->settle(m_used.get());
        for (std::size_t c = 0; c < added.size(); ++c) added[c] += settled[c];
    }
    return added;
}

std::uint64_t Measurement::failure_count() const noexcept {
    std::uint64_t n = m_tree->failures().count();
    for (const auto& s : m_sensors.sensors) n += s->failures().count();
    return n;
}

void Measurement::describe(Result& r, Scope scope) const {
    r.cpu_name = m_sensors.cpu_name;
    r.gpu_name = describe_component(m_sensors, Component::gpu).devices;
    auto component = [&](Component c, ComponentEnergy& e) {
        ComponentSource d = describe_component(m_sensors, c);
        e.source = std::move(d.source);
        e.estimated = d.estimated;
    };
    component(Component::cpu, r.cpu);
    component(Component::gpu, r.gpu);
    component(Component::ram, r.ram);
    describe_tree(r, scope);
}

void Measurement::describe_tree(Result& r, Scope scope) const {
    r.tree_source = m_tree->cpu_source();
    r.left_running.reset();
    if (!m_tree->root_alive()) r.left_running = m_tree->others_alive();
    if (m_sensors.ram && m_sensors.ram->backend() == "ram-model" && scope == Scope::process)
        r.ram.source = fmt::format("ram-model({} W/GiB x {}; estimated)", RAM_W_PER_GIB, m_tree->memory_source());
}

void Measurement::collect_warnings(std::vector<std::string>& warnings) const {
    auto report = [&](std::string_view what, const FailureLog& log) {
        if (log.count() > 0)
            warnings.push_back(fmt::format("{}: {} failed read{}, first: {}", what, log.count(),
                                           log.count() == 1 ? "" : "s", log.first()));
    };
    report("process accounting", m_tree->failures());
    for (const auto& s : m_sensors.sensors) report(s->backend(), s->failures());
    if (m_acc->counter_resets() > 0)
        warnings.push_back(
            fmt::format("{} energy counter reading(s) went backwards and were ignored", m_acc->counter_resets()));
}

}  // namespace eco2::detail

namespace eco2 {

// The same discovery as Tracker::start(), without a run.
std::vector<ProbeReport> probe_sensors(const TrackerConfig& config) {
    detail::validate(config);  // as the Tracker constructor
    const sys::SystemContext context = sys::SystemContext::from_process(config.paths);
    detail::ProcessTree::Options topt;
    topt.root = config.sampling.root_pid;
    detail::ProcessTree tree(context.fs(), topt);
    detail::SensorSet set = detail::discover_sensors(context, config);
    detail::TreeSample sample;
    tree.sample(0.0, true, sample);
    set.reports.insert(set.reports.begin(), tree.probe_cgroup());
    set.reports.insert(set.reports.begin(), tree.probe());
    return set.reports;
}

}  // namespace eco2
