#include "sensors/cpu_model_sensor.hpp"

#include <fmt/format.h>

#include "eco2/error.hpp"
#include "sensors/cpu_tdp_table.hpp"
#include "sys/proc_parse.hpp"

namespace eco2::detail {
namespace {

class CpuModelSensor final : public Sensor {
public:
    CpuModelSensor(const CpuDescription& cpu, Scope scope) : m_cpu(cpu), m_scope(scope) {
        m_channels.push_back({"cpu_model.cpu.0", Component::cpu, ChannelKind::energy_counter, 0.0, Attribution::direct});
    }
    std::string_view backend() const noexcept override { return "cpu-model"; }
    const std::vector<Channel>& channels() const noexcept override { return m_channels; }
    void read(const TreeSample& tree, double* values) noexcept override {
        double cpu_s = m_scope == Scope::process ? tree.tree_cpu_s : tree.machine_busy_s;
        values[0] = m_cpu.tdp_w * cpu_s / m_cpu.online_cpus;
    }
    MachineFields machine_fields() const noexcept override { return {m_scope != Scope::process, false}; }
    std::string source() const override {
        return fmt::format("tdp-model({:g} W, {}; {} CPU time / {} CPUs; estimated)", m_cpu.tdp_w, m_cpu.tdp_source,
                           m_scope == Scope::process ? "tree" : "machine busy", m_cpu.online_cpus);
    }
    bool estimated() const noexcept override { return true; }
    std::string device_names() const override { return m_cpu.name; }

private:
    CpuDescription m_cpu;
    Scope m_scope;
    std::vector<Channel> m_channels;
};

}  // namespace

CpuDescription describe_cpu(const sys::FsRoot& fs, const sys::FileReader& reader,
                            const std::optional<PowercapTdp>& powercap, const CpuHint& hint) {
    CpuDescription d;
    auto info_text = reader.read(fs.cpuinfo());
    sys::CpuInfo info;
    if (info_text.ok()) info = sys::parse_cpuinfo(info_text.text);
    d.name = info.model_name.empty() ? "unknown" : info.model_name;
    d.sockets = info.sockets > 0 ? info.sockets : 1;
    auto online = sys::read_line(reader, fs.cpu_online());
    std::optional<int> n = online ? sys::parse_cpu_list_count(*online) : std::nullopt;
    d.online_cpus = n && *n > 0 ? *n : (info.logical > 0 ? info.logical : 1);
    const std::string origin = hint.origin.empty() ? std::string("set by the caller") : hint.origin;
    std::optional<CpuTdpEntry> named;
    if (!hint.name.empty() && !hint.tdp_w) {
        named = match_cpu_tdp(hint.name);
        if (!named)
            throw Error(
                Errc::invalid_argument,
                fmt::format("CPU \"{}\" ({}) is not in eco2's TDP table: give its power instead with {}, "
                            "from the vendor's page",
                            hint.name, origin, mention("cpu_tdp", "W")));
    }
    if (hint.tdp_w) {
        d.tdp_w = *hint.tdp_w;
        d.tdp_source = origin;
        d.tdp_known = true;
    } else if (named) {
        d.tdp_w = named->tdp_w * d.sockets;
        d.tdp_source =
            fmt::format("{} \"{}\": table {} {:g} W x {} socket{} ({})", origin, hint.name, named->model,
                        named->tdp_w, d.sockets, d.sockets == 1 ? "" : "s", named->source);
        d.tdp_known = true;
    } else if (powercap && powercap->watts > 0) {
        d.tdp_w = powercap->watts;
        d.tdp_source = powercap->source;
        d.tdp_known = true;
    } else if (auto entry = match_cpu_tdp(d.name)) {
        d.tdp_w = entry->tdp_w * d.sockets;
        d.tdp_source = fmt::format("built-in table: {} {:g} W x {} socket{} ({})", entry->model, entry->tdp_w,
                                   d.sockets, d.sockets == 1 ? "" : "s", entry->source);
        d.tdp_known = true;
    } else {
        d.tdp_w = DEFAULT_TDP_W;
        d.tdp_source = fmt::format("default {:g} W, CPU '{}' not known", DEFAULT_TDP_W, d.name);
    }
    return d;
}

std::unique_ptr<Sensor> make_cpu_model_sensor(const CpuDescription& cpu, Scope scope) {
    return std::make_unique<CpuModelSensor>(cpu, scope);
}

Discovery discover_cpu_model(const sys::SystemContext& context, const DiscoveryRequest& request) {
    // The powercap rating is readable without privileges, even where RAPL's counters are not.
    const CpuDescription cpu =
        describe_cpu(context.fs(), context.reader(), read_powercap_tdp(context.fs(), context.reader()), request.cpu);
    Discovery d;
    d.cpu_name = cpu.name;
    d.report.backend = "cpu-model";
    d.report.status = ProbeStatus::available;
    d.report.channels = {"cpu_model.cpu.0"};
    d.report.reason = fmt::format("TDP {:g} W from {}; {} online CPUs (estimated)", cpu.tdp_w, cpu.tdp_source,
                                  cpu.online_cpus);
    if (!cpu.tdp_known)
        d.report.fix = fmt::format(
            "the CPU '{}' is not in eco2's table, so figures use eco2AI's 100 W default: give its power with "
            "{} (all sockets, or your vCPUs' share on a VM), or its model with {} (e.g. {})",
            cpu.name, mention("cpu_tdp", "W"), mention("cpu_name", "NAME"),
            mention("cpu_name", "'EPYC 7763'"));
    d.offers.push_back({make_cpu_model_sensor(cpu, request.scope), Component::cpu, "the TDP model estimates the CPU", {}});
    return d;
}

}  // namespace eco2::detail
