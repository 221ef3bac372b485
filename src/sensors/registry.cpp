#include "sensors/registry.hpp"

#include <fmt/format.h>

#include "sensors/cpu_model_sensor.hpp"
#include "sensors/rapl_sensor.hpp"
#include "sensors/ram_model_sensor.hpp"
#include "sensors/selection.hpp"
#if ECO2_WITH_NVML
#include "sensors/nvml_sensor.hpp"
#endif
#if ECO2_WITH_AMDGPU
#include "sensors/amdgpu_sensor.hpp"
#endif

namespace eco2::detail {
namespace {

// THE list of back ends, best source first. Adding a back end adds one line here (and its file pair).
constexpr Backend BACKENDS[] = {
    RAPL_BACKEND,       // CPU packages (and DRAM, machine scope) from powercap energy counters
    CPU_MODEL_BACKEND,  // TDP x CPU time (estimated)
    RAM_MODEL_BACKEND,  // 0.375 W/GiB (estimated)
#if ECO2_WITH_NVML
    NVML_BACKEND,  // NVIDIA GPUs (dlopen'ed libnvidia-ml)
#endif
#if ECO2_WITH_AMDGPU
    AMDGPU_BACKEND,  // AMD GPUs (amdgpu hwmon sysfs files)
#endif
};

std::size_t slot(Component c) noexcept { return static_cast<std::size_t>(c); }

// "none (nvml: absent)": the component's back ends that are there but cannot measure (failed, denied...), else
// the first of them (absent).
std::string none_source(const std::vector<ProbeReport>& reports, const std::vector<Component>& components,
                        Component c) {
    std::vector<std::string> parts;
    std::string first;
    for (std::size_t i = 0; i < reports.size(); ++i) {
        if (components[i] != c) continue;
        const std::string part = fmt::format("{}: {}", reports[i].backend, to_string(reports[i].status));
        if (first.empty()) first = part;
        if (reports[i].status != ProbeStatus::absent) parts.push_back(part);
    }
    if (parts.empty() && first.empty()) return "none";
    return fmt::format("none ({})", parts.empty() ? first : fmt::format("{}", fmt::join(parts, ", ")));
}

}  // namespace

std::span<const Backend> backends() noexcept { return BACKENDS; }

SensorSet discover_sensors(std::span<const Backend> list, const sys::SystemContext& context,
                           const DiscoveryRequest& request) {
    struct Found {
        Offer offer;
        std::size_t report;
        int priority;
    };
    SensorSet set;
    std::vector<Component> report_components;
    std::vector<Found> found;
    for (const Backend& b : list) {
        Discovery d = b.discover(context, request);
        if (d.report.backend.empty()) d.report.backend = std::string(b.name);
        if (set.cpu_name.empty()) set.cpu_name = d.cpu_name;
        for (Offer& o : d.offers) {
            if (o.sensor) found.push_back({std::move(o), set.reports.size(), b.priority});
        }
        set.reports.push_back(std::move(d.report));
        report_components.push_back(b.component);
    }

    std::vector<OfferKey> keys;
    for (const Found& f : found) keys.push_back({f.offer.component, f.priority, f.offer.unusable.empty()});
    const std::vector<bool> chosen = select_offers(keys);

    // The reports say what the policy did: a source displaced names the one used ("not used: RAPL measures the
    // CPU"), and the one used says why a better one is not usable here.
    auto winner_of = [&](Component c) -> const Found* {
        for (std::size_t k = 0; k < found.size(); ++k)
            if (chosen[k] && found[k].offer.component == c) return &found[k];
        return nullptr;
    };
    for (std::size_t i = 0; i < found.size(); ++i) {
        const Found* winner = winner_of(found[i].offer.component);
        if (chosen[i] || winner == nullptr || winner->report == found[i].report) continue;
        if (!found[i].offer.unusable.empty()) {
            set.reports[winner->report].reason += "; " + found[i].offer.unusable;
        } else {
            set.reports[found[i].report].reason += "; not used: " + winner->offer.measures;
        }
    }

    for (std::size_t i = 0; i < found.size(); ++i) {
        if (!chosen[i]) continue;
        Sensor* s = found[i].offer.sensor.get();
        const Component c = found[i].offer.component;
        set.reports[found[i].report].used = true;
        set.used[slot(c)].push_back(s);
        set.sensors.push_back(std::move(found[i].offer.sensor));
    }
    set.cpu = set.used[slot(Component::cpu)].empty() ? nullptr : set.used[slot(Component::cpu)].front();
    set.gpu = set.used[slot(Component::gpu)].empty() ? nullptr : set.used[slot(Component::gpu)].front();
    set.ram = set.used[slot(Component::ram)].empty() ? nullptr : set.used[slot(Component::ram)].front();
    for (const Component c : {Component::cpu, Component::gpu, Component::ram})
        set.none_source[slot(c)] = none_source(set.reports, report_components, c);
    return set;
}

SensorSet discover_sensors(const sys::SystemContext& context, const DiscoveryRequest& request) {
    return discover_sensors(backends(), context, request);
}

MachineFields machine_fields(const SensorSet& set) noexcept {
    MachineFields f;
    for (const auto& s : set.sensors) f = f | s->machine_fields();
    return f;
}

ComponentSource describe_component(const SensorSet& set, Component c) {
    ComponentSource out;
    const std::vector<Sensor*>& used = set.used[slot(c)];
    if (used.empty()) {
        out.source = set.none_source[slot(c)];
        return out;
    }
    for (const Sensor* s : used) {
        if (!out.source.empty()) out.source += " + ";
        out.source += s->source();
        out.estimated = out.estimated || s->estimated();
        const std::string names = s->device_names();
        if (!names.empty()) out.devices += (out.devices.empty() ? "" : ", ") + names;
    }
    return out;
}

}  // namespace eco2::detail
