#include "sensors/rapl_sensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

namespace eco2::detail {
namespace {

namespace fs = std::filesystem;

struct Zone {
    fs::path dir;
    std::string name;  // "package-0", "dram"
    int package = 0;   // index of the package the zone belongs to
};

// Zones named like "intel-rapl:0" (top level) and "intel-rapl:0:1" (sub-zone); the mmio duplicate and the
// control-type directory itself do not match.
std::optional<std::vector<int>> zone_indices(const std::string& entry) {
    const std::string prefix = "intel-rapl:";
    if (entry.rfind(prefix, 0) != 0) return std::nullopt;
    std::vector<int> idx;
    std::string_view rest = std::string_view(entry).substr(prefix.size());
    while (!rest.empty()) {
        std::size_t colon = rest.find(':');
        auto v = sys::parse_u64(rest.substr(0, colon));
        if (!v) return std::nullopt;
        idx.push_back(static_cast<int>(*v));
        rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
    }
    if (idx.empty() || idx.size() > 2) return std::nullopt;
    return idx;
}

class RaplSensor final : public Sensor {
public:
    RaplSensor(Component component, std::vector<Zone> zones, std::vector<double> wraps, Attribution attribution,
               const sys::FileReader& reader)
        : m_zones(std::move(zones)), m_reader(reader) {
        for (std::size_t i = 0; i < m_zones.size(); ++i) {
            Channel c;
            c.id = component == Component::cpu ? fmt::format("rapl.package.{}", m_zones[i].package)
                                               : fmt::format("rapl.dram.{}", m_zones[i].package);
            c.component = component;
            c.kind = ChannelKind::energy_counter;
            c.wrap_j = wraps[i];
            c.attribution = attribution;
            m_channels.push_back(std::move(c));
            m_paths.push_back(m_zones[i].dir / "energy_uj");
        }
        std::vector<std::string> names;
        for (const auto& z : m_zones) names.push_back(component == Component::cpu ? z.name : "dram-" + std::to_string(z.package));
        m_source = fmt::format("rapl({}{})", fmt::join(names, "+"),
                               attribution == Attribution::cpu_share ? "; process share by CPU time" : "");
    }
    std::string_view backend() const noexcept override { return "rapl"; }
    const std::vector<Channel>& channels() const noexcept override { return m_channels; }
    void read(const TreeSample&, double* values) noexcept override {
        for (std::size_t i = 0; i < m_paths.size(); ++i) {
            auto uj = sys::read_u64(m_reader, m_paths[i]);
            if (uj) {
                values[i] = static_cast<double>(*uj) * 1e-6;
            } else {
                values[i] = std::nan("");
                m_failures.record("cannot read " + m_paths[i].string());
            }
        }
    }
    std::string source() const override { return m_source; }
    bool estimated() const noexcept override { return false; }

private:
    std::vector<Zone> m_zones;
    std::vector<fs::path> m_paths;
    std::vector<Channel> m_channels;
    std::string m_source;
    const sys::FileReader& m_reader;
};

std::vector<Zone> list_zones(const sys::FsRoot& root, const sys::FileReader& reader, std::vector<Zone>& drams) {
    std::vector<Zone> packages;
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(root.powercap(), ec)) {
        auto idx = zone_indices(de.path().filename().string());
        if (!idx) continue;
        auto name = sys::read_line(reader, de.path() / "name");
        if (!name) continue;
        if (idx->size() == 1 && name->rfind("package-", 0) == 0) {
            auto n = sys::parse_u64(std::string_view(*name).substr(8));
            packages.push_back({de.path(), *name, n ? static_cast<int>(*n) : (*idx)[0]});
        } else if (idx->size() == 2 && *name == "dram") {
            drams.push_back({de.path(), *name, (*idx)[0]});
        }
    }
    auto by_package = [](const Zone& a, const Zone& b) { return a.package < b.package; };
    std::sort(packages.begin(), packages.end(), by_package);
    std::sort(drams.begin(), drams.end(), by_package);
    // Sub-zones are numbered by their parent's zone index; map that to the package number.
    for (auto& d : drams) {
        auto idx = zone_indices(d.dir.filename().string());
        for (const auto& p : packages)
            if (zone_indices(p.dir.filename().string())->at(0) == idx->at(0)) d.package = p.package;
    }
    return packages;
}

// The fix names the host's live path (where the user runs chmod), whatever root eco2 reads from.
std::string permission_fix() {
    const std::string zones = (sys::FsRoot::live().powercap() / "intel-rapl:*").string();
    return fmt::format("energy_uj is readable by root only on kernels patched for CVE-2020-8694: run eco2 as root, "
                       "or grant read access until reboot with `sudo chmod a+r {0}/energy_uj {0}:*/energy_uj` (or "
                       "a udev rule to keep it); until then eco2 uses the TDP model",
                       zones);
}

}  // namespace

std::optional<PowercapTdp> read_powercap_tdp(const sys::FsRoot& fs, const sys::FileReader& reader) {
    std::vector<Zone> drams;
    auto packages = list_zones(fs, reader, drams);
    PowercapTdp tdp;
    bool any_limit_only = false;
    for (const auto& p : packages) {
        auto name = sys::read_line(reader, p.dir / "constraint_0_name");
        if (name && *name != "long_term") continue;
        auto max = sys::read_u64(reader, p.dir / "constraint_0_max_power_uw");
        if (max && *max > 0) {
            tdp.watts += static_cast<double>(*max) * 1e-6;
            ++tdp.packages;
            continue;
        }
        // Some firmware leaves the rating at 0; the default long-term limit (PL1) equals TDP.
        auto limit = sys::read_u64(reader, p.dir / "constraint_0_power_limit_uw");
        if (limit && *limit > 0) {
            tdp.watts += static_cast<double>(*limit) * 1e-6;
            ++tdp.packages;
            any_limit_only = true;
        }
    }
    if (tdp.packages == 0) return std::nullopt;
    tdp.source = fmt::format("powercap {} ({} package{})",
                             any_limit_only ? "constraint_0 max_power_uw / power_limit_uw (PL1)" : "constraint_0_max_power_uw",
                             tdp.packages, tdp.packages == 1 ? "" : "s");
    return tdp;
}

RaplProbe probe_rapl(const sys::FsRoot& fs, const sys::FileReader& reader, Scope scope) {
    RaplProbe out;
    ProbeReport& r = out.report;
    r.backend = "rapl";
    std::error_code ec;
    if (!fs::is_directory(fs.powercap(), ec)) {
        r.status = ProbeStatus::absent;
        r.reason = fs.powercap().string() + " does not exist: no RAPL (a VM, a non-x86 CPU, or the powercap driver "
                                            "is not loaded)";
        r.fix = "on bare metal: `modprobe intel_rapl_msr`; in a container: mount the host's /sys and set "
                "ECO2_SYS_ROOT; otherwise eco2 uses the TDP model";
        return out;
    }
    std::vector<Zone> drams;
    auto packages = list_zones(fs, reader, drams);
    out.tdp = read_powercap_tdp(fs, reader);
    if (packages.empty()) {
        r.status = ProbeStatus::absent;
        r.reason = "no RAPL package zone under " + fs.powercap().string();
        r.fix = "load the RAPL driver (`modprobe intel_rapl_msr`); otherwise eco2 uses the TDP model";
        return out;
    }
    auto wraps_of = [&](const std::vector<Zone>& zones, std::vector<double>& wraps) -> bool {
        for (const auto& z : zones) {
            auto res = reader.read(z.dir / "energy_uj");
            if (res.status == sys::ReadStatus::permission_denied) {
                r.status = ProbeStatus::permission_denied;
                r.reason = "cannot read " + (z.dir / "energy_uj").string() + ": " + std::strerror(res.error);
                r.fix = permission_fix();
                return false;
            }
            if (!res.ok() || !sys::parse_u64(res.text)) {
                r.status = ProbeStatus::failed;
                r.reason = "cannot read " + (z.dir / "energy_uj").string() +
                           (res.ok() ? ": not a number" : std::string(": ") + std::strerror(res.error));
                r.fix = "check the powercap driver (dmesg)";
                return false;
            }
            auto range = sys::read_u64(reader, z.dir / "max_energy_range_uj");
            wraps.push_back(range ? static_cast<double>(*range) * 1e-6 : 0.0);
        }
        return true;
    };
    Attribution attribution = scope == Scope::process ? Attribution::cpu_share : Attribution::direct;
    std::vector<double> package_wraps;
    if (!wraps_of(packages, package_wraps)) return out;
    out.package = std::make_unique<RaplSensor>(Component::cpu, packages, package_wraps, attribution, reader);
    std::vector<double> dram_wraps;
    ProbeReport saved = r;
    if (!drams.empty() && wraps_of(drams, dram_wraps)) {
        out.dram = std::make_unique<RaplSensor>(Component::ram, drams, dram_wraps, attribution, reader);
    }
    r = saved;
    r.status = ProbeStatus::available;
    for (const auto& c : out.package->channels()) r.channels.push_back(c.id);
    if (out.dram)
        for (const auto& c : out.dram->channels()) r.channels.push_back(c.id);
    r.reason = fmt::format("{} package domain{}{}", packages.size(), packages.size() == 1 ? "" : "s",
                           out.dram ? fmt::format(", {} dram domain{}", drams.size(), drams.size() == 1 ? "" : "s")
                                    : ", no dram domain");
    return out;
}

Discovery discover_rapl(const sys::SystemContext& context, const DiscoveryRequest& request) {
    RaplProbe p = probe_rapl(context.fs(), context.reader(), request.scope);
    Discovery d;
    d.report = std::move(p.report);
    if (p.package) d.offers.push_back({std::move(p.package), Component::cpu, "RAPL measures the CPU", {}});
    if (p.dram) {
        d.offers.push_back({std::move(p.dram), Component::ram, "RAPL measures DRAM",
                            request.scope == Scope::machine
                                ? std::string()
                                : "RAPL dram is machine-wide, used for the machine scope"});
    }
    return d;
}

}  // namespace eco2::detail
