#include "sensors/registry.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "sensors/model_sensors.hpp"
#include "sensors/rapl_sensor.hpp"
#include "sys/proc_parse.hpp"

namespace eco2::detail {

SensorSet build_sensors(const sys::FsRoot& fs, const sys::FileReader& reader, Scope scope,
                        const NvmlOptions& nvml) {
    SensorSet set;
    RaplProbe rapl = probe_rapl(fs, reader, scope);
    CpuDescription cpu = describe_cpu(fs, reader, rapl.tdp);
    set.cpu_name = cpu.name;

    // CPU
    ProbeReport model;
    model.backend = "cpu-model";
    model.status = ProbeStatus::available;
    model.channels = {"cpu_model.cpu.0"};
    model.reason = fmt::format("TDP {:g} W from {}; {} online CPUs (estimated)", cpu.tdp_w, cpu.tdp_source,
                               cpu.online_cpus);
    if (!cpu.tdp_known) model.fix = "the CPU is not in eco2's table: figures use eco2AI's 100 W default";
    if (rapl.package) {
        rapl.report.used = true;
        set.cpu = rapl.package.get();
        set.sensors.push_back(std::move(rapl.package));
        model.reason += "; not used: RAPL measures the CPU";
    } else {
        model.used = true;
        set.sensors.push_back(make_cpu_model_sensor(cpu, scope));
        set.cpu = set.sensors.back().get();
    }
    set.reports.push_back(rapl.report);
    set.reports.push_back(model);

    // RAM
    ProbeReport ram;
    ram.backend = "ram-model";
    ram.status = ProbeStatus::available;
    ram.channels = {"ram_model.ram.0"};
    ram.reason = fmt::format("{} W/GiB of {} (estimated)", RAM_W_PER_GIB,
                             scope == Scope::process ? "the tree's resident memory" : "the machine's used memory");
    if (rapl.dram && scope == Scope::machine) {
        set.ram = rapl.dram.get();
        set.sensors.push_back(std::move(rapl.dram));
        ram.reason += "; not used: RAPL measures DRAM";
    } else {
        ram.used = true;
        if (rapl.dram) ram.reason += "; RAPL dram is machine-wide, used with --scope machine";
        set.sensors.push_back(make_ram_model_sensor(scope));
        set.ram = set.sensors.back().get();
    }
    set.reports.push_back(ram);

    // GPU. In process scope NVML's pids (the initial pid namespace's) are matched to the tree's: how depends
    // on the pid namespace eco2 runs in (see NvmlOptions::PidMapping).
    ProbeReport gpu;
    NvmlOptions nvml_options = nvml;
    if (scope == Scope::process && nvml_options.pids.kind == NvmlOptions::PidMapping::Kind::same &&
        !nvml_options.pids.nspid) {
        std::error_code ec;
        const std::filesystem::path link = std::filesystem::read_symlink(fs.self_pid_ns(), ec);
        const sys::ReadResult self = reader.read(fs.self_status());
        const std::optional<int> levels =
            self.ok() ? sys::parse_status_nspid_count(self.text) : std::optional<int>();
        nvml_options.pids.kind = pid_mapping_kind(ec ? std::string() : link.string(), levels);
        if (nvml_options.pids.kind == NvmlOptions::PidMapping::Kind::nspid) {
            // The process-wide reader: the sensor outlives the reader build_sensors was given.
            nvml_options.pids.nspid = [fs](pid_t pid) {
                const sys::ReadResult status = sys::default_reader().read(fs.pid_dir(pid) / "status");
                return status.ok() ? parse_status_nspid(status.text) : std::vector<pid_t>();
            };
        }
    }
    auto nvml_sensor = make_nvml_sensor(nvml_options, gpu);
    if (gpu.backend.empty()) gpu.backend = "nvml";
    if (nvml_sensor) {
        gpu.used = true;
        set.gpu = nvml_sensor.get();
        set.sensors.push_back(std::move(nvml_sensor));
    }
    set.reports.push_back(gpu);
    return set;
}

MachineFields machine_fields(const SensorSet& set) noexcept {
    MachineFields f;
    for (const auto& s : set.sensors) f = f | s->machine_fields();
    return f;
}

}  // namespace eco2::detail
