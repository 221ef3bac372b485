// Discovery of NVIDIA GPUs: dlopen, nvmlInit, the GPUs CUDA_VISIBLE_DEVICES makes visible, the best reading
// and process listing of each, and the report.

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <utility>

#include "sensors/nvml_gpu.hpp"
#include "sys/proc_parse.hpp"

namespace eco2::detail {
namespace {

using namespace nvml;

constexpr std::string_view LISTING_UNSUPPORTED = "process listing unsupported: all visible GPUs counted";
constexpr std::string_view PIDS_UNRESOLVABLE =
    "host pids not visible in this pid namespace: a GPU counts while any process is on it";

// Calls nvmlShutdown on scope exit unless released: every early return after a successful nvmlInit.
class ShutdownGuard {
public:
    explicit ShutdownGuard(const NvmlApi& api) : m_api(&api) {}
    ~ShutdownGuard() {
        if (m_api != nullptr) m_api->shutdown();
    }
    ShutdownGuard(const ShutdownGuard&) = delete;
    ShutdownGuard& operator=(const ShutdownGuard&) = delete;
    void release() noexcept { m_api = nullptr; }

private:
    const NvmlApi* m_api;
};

std::string init_fix(NvmlReturn rc) {
    switch (rc) {
        case NVML_ERROR_DRIVER_NOT_LOADED:
            return "load the NVIDIA kernel driver (`nvidia-smi` must list the GPUs)";
        case NVML_ERROR_NO_PERMISSION:
            return "give this user access to the /dev/nvidia* device files";
        case 18:  // NVML_ERROR_LIB_RM_VERSION_MISMATCH
            return "the NVIDIA library and kernel driver versions differ: reboot or reload the driver";
        default:
            return "check that `nvidia-smi` works for this user";
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const std::string& p : parts) {
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}


// CUDA cores x max SM clock of each GPU, 0 when unknown; all 0 when the GPUs are one model (no order needed).
std::vector<double> throughput(const NvmlApi& api, const std::vector<NvmlDevice>& handles,
                               const std::vector<NvmlReturn>& handle_rc) {
    std::vector<double> score(handles.size(), 0.0);
    std::vector<std::string> names(handles.size());
    for (std::size_t i = 0; i < handles.size(); ++i) {
        if (handle_rc[i] != NVML_SUCCESS) continue;
        char name[NVML_DEVICE_NAME_BUFFER] = {};
        if (api.device_get_name != nullptr &&
            api.device_get_name(handles[i], name, sizeof name) == NVML_SUCCESS)
            names[i] = name;
        unsigned int cores = 0, mhz = 0;
        if (api.device_get_num_gpu_cores != nullptr && api.device_get_max_clock_info != nullptr &&
            api.device_get_num_gpu_cores(handles[i], &cores) == NVML_SUCCESS &&
            api.device_get_max_clock_info(handles[i], NVML_CLOCK_SM, &mhz) == NVML_SUCCESS)
            score[i] = static_cast<double>(cores) * static_cast<double>(mhz);
    }
    const bool one_model =
        !names.empty() && !names.front().empty() &&
        std::all_of(names.begin(), names.end(), [&](const std::string& n) { return n == names.front(); });
    if (one_model) std::fill(score.begin(), score.end(), 1.0);  // identical GPUs: PCI bus order either way
    return score;
}

std::unique_ptr<Sensor> probe(NvmlApi api, std::optional<NvmlLibrary> library, const NvmlOptions& options,
                              ProbeReport& report) {
    report.backend = "nvml";
    report.channels.clear();
    report.fix.clear();
    if (!api.complete()) {
        report.status = ProbeStatus::failed;
        report.reason = "the NVML function table lacks a required function";
        return nullptr;
    }

    if (const NvmlReturn rc = api.init(); rc != NVML_SUCCESS) {
        report.status = ProbeStatus::failed;
        report.reason = "nvmlInit failed: " + api.describe(rc);
        report.fix = init_fix(rc);
        return nullptr;
    }
    ShutdownGuard guard(api);

    unsigned int count = 0;
    if (const NvmlReturn rc = api.device_get_count(&count); rc != NVML_SUCCESS) {
        report.status = ProbeStatus::failed;
        report.reason = "nvmlDeviceGetCount failed: " + api.describe(rc);
        report.fix = init_fix(rc);
        return nullptr;
    }

    // Handles and UUIDs of every GPU: CUDA_VISIBLE_DEVICES may name any of them, and a UUID prefix is valid
    // only when no other GPU shares it.
    std::vector<NvmlDevice> handles(count, nullptr);
    std::vector<NvmlReturn> handle_rc(count, NVML_SUCCESS);
    std::vector<std::string> uuids(count);
    for (unsigned int i = 0; i < count; ++i) {
        handle_rc[i] = api.device_get_handle_by_index(i, &handles[i]);
        if (handle_rc[i] != NVML_SUCCESS || api.device_get_uuid == nullptr) continue;
        char buf[NVML_DEVICE_UUID_BUFFER] = {};
        if (api.device_get_uuid(handles[i], buf, sizeof buf) == NVML_SUCCESS) uuids[i] = std::string(buf);
    }

    std::vector<std::string> notes;
    std::vector<unsigned int> selected;
    std::vector<MigSlice> mig;
    std::vector<bool> whole(count, false);
    if (options.cuda_visible_devices) {
        CudaDeviceMap map;
        map.uuids = uuids;
        if (has_index_entry(*options.cuda_visible_devices)) {
            std::string order_note;
            map.cuda_order =
                cuda_device_order(options.cuda_device_order, throughput(api, handles, handle_rc), order_note);
            if (!order_note.empty()) notes.push_back(order_note);
        }
        map.mig_parent = [&](std::string_view id) -> std::optional<unsigned int> {
            std::optional<MigSlice> found = resolve_mig(api, handles, handle_rc, uuids, id);
            if (!found) return std::nullopt;
            mig.push_back(*found);
            return found->parent;
        };
        VisibleDevices visible = parse_cuda_visible_devices(*options.cuda_visible_devices, map);
        selected = std::move(visible.indices);
        for (unsigned int i : selected) whole[i] = true;
        for (const MigSlice& m : mig) {
            if (std::find(selected.begin(), selected.end(), m.parent) == selected.end())
                selected.push_back(m.parent);
        }
        std::sort(selected.begin(), selected.end());
        if (!visible.stopped_at.empty()) {
            notes.push_back(
                "CUDA_VISIBLE_DEVICES entry '" + visible.stopped_at +
                "' names no GPU (or more than one): it and later entries are ignored, as CUDA does");
        }
    } else {
        for (unsigned int i = 0; i < count; ++i) selected.push_back(i);
        std::fill(whole.begin(), whole.end(), true);
    }

    if (selected.empty()) {
        report.status = ProbeStatus::absent;
        if (count == 0) {
            report.reason = "NVML reports no NVIDIA GPU";
        } else {
            report.reason =
                "CUDA_VISIBLE_DEVICES='" + *options.cuda_visible_devices + "' makes no GPU visible";
            if (!notes.empty()) report.reason += "; " + notes.front();
        }
        return nullptr;
    }

    std::vector<Gpu> gpus;
    std::vector<std::string> energy_labels, power_labels, unlisted_labels, dropped, mig_parts;
    for (unsigned int index : selected) {
        const std::string label = gpu_label(index);
        if (handle_rc[index] != NVML_SUCCESS) {
            dropped.push_back(label + ": " + api.describe(handle_rc[index]));
            continue;
        }
        Gpu g;
        g.index = index;
        g.device = handles[index];
        if (!whole[index]) {
            // Only MIG slices of this GPU are the job's: its energy x their share, never more than the GPU.
            const std::string part = mig_share(api, g, mig);
            if (!part.empty()) mig_parts.push_back(label + " " + part);
        }

        // Best source first: the cumulative counter needs no sampling; instantaneous power beats the 1 s
        // average that nvmlDeviceGetPowerUsage returns on recent GPUs.
        NvmlReturn last = NVML_ERROR_FUNCTION_NOT_FOUND;
        double probe_value = 0.0;
        bool readable = false;
        const std::pair<Reading, bool> candidates[] = {
            {Reading::energy_counter, api.device_get_total_energy_consumption != nullptr},
            {Reading::power_field, api.device_get_field_values != nullptr},
            {Reading::power_usage, api.device_get_power_usage != nullptr},
        };
        for (const auto& [reading, present] : candidates) {
            if (!present) continue;
            g.reading = reading;
            last = read_gpu(api, g, probe_value);
            if (last == NVML_SUCCESS) {
                readable = true;
                break;
            }
        }
        if (!readable) {
            dropped.push_back(label + ": no energy or power reading (" + api.describe(last) + ")");
            continue;
        }

        if (options.scope == Scope::process) {
            const NvmlDevice listed = g.slices.empty() ? g.device : g.slices.front();
            NvmlReturn rc = api.device_get_compute_running_processes != nullptr
                                ? probe_listing(api.device_get_compute_running_processes, listed)
                                : probe_listing(api.device_get_compute_running_processes_v1, listed);
            g.list_compute = rc == NVML_SUCCESS;
            if (g.list_compute) {
                rc = api.device_get_graphics_running_processes != nullptr
                         ? probe_listing(api.device_get_graphics_running_processes, listed)
                         : probe_listing(api.device_get_graphics_running_processes_v1, listed);
                g.list_graphics = rc == NVML_SUCCESS;
            } else {
                unlisted_labels.push_back(label + " (" + api.describe(rc) + ")");
            }
        }

        char name[NVML_DEVICE_NAME_BUFFER] = {};
        if (api.device_get_name != nullptr &&
            api.device_get_name(g.device, name, sizeof name) == NVML_SUCCESS && name[0] != '\0') {
            g.name = name;
        } else {
            g.name = "NVIDIA GPU";
        }
        (g.reading == Reading::energy_counter ? energy_labels : power_labels).push_back(label);
        gpus.push_back(std::move(g));
    }

    if (!dropped.empty()) notes.push_back("dropped " + join(dropped, ", "));
    if (gpus.empty()) {
        report.status = ProbeStatus::unsupported;
        report.reason = "no GPU can be read: " + join(notes, "; ");
        return nullptr;
    }

    std::vector<std::string> source_parts;
    if (!energy_labels.empty()) source_parts.push_back("energy counter: " + join(energy_labels, ","));
    if (!power_labels.empty()) source_parts.push_back("power: " + join(power_labels, ","));
    if (!unlisted_labels.empty()) {
        if (unlisted_labels.size() == gpus.size()) {
            source_parts.emplace_back(LISTING_UNSUPPORTED);
        } else {
            std::vector<std::string> short_labels;
            for (const Gpu& g : gpus) {
                if (!g.list_compute) short_labels.push_back(gpu_label(g.index));
            }
            source_parts.push_back("process listing unsupported on " + join(short_labels, ",") +
                                   ": counted in full");
        }
        notes.push_back("process listing unsupported on " + join(unlisted_labels, ", ") +
                        ": their whole energy is counted");
        if (!options.cuda_visible_devices)
            report.fix = "set CUDA_VISIBLE_DEVICES to the GPUs the job uses, so that only those are counted";
    }
    if (!mig_parts.empty()) source_parts.push_back("MIG: " + join(mig_parts, ", "));
    const bool any_listed =
        std::any_of(gpus.begin(), gpus.end(), [](const Gpu& g) { return g.list_compute; });
    if (any_listed && options.pids.kind == NvmlOptions::PidMapping::Kind::unresolvable) {
        source_parts.emplace_back(PIDS_UNRESOLVABLE);
        notes.push_back(
            "eco2 runs in a pid namespace whose procfs shows no host pids (a container): NVML's pids cannot "
            "be "
            "matched to the tracked processes");
        if (report.fix.empty())
            report.fix = "run eco2 in the host pid namespace (docker --pid=host) to attribute shared GPUs";
    }
    std::string source = "nvml(" + join(source_parts, "; ") + ")";

    auto sensor =
        make_sensor(api, std::move(library), std::move(gpus), source, options.pids);
    guard.release();  // the sensor's destructor shuts NVML down from now on

    report.status = ProbeStatus::available;
    for (const Channel& c : sensor->channels()) report.channels.push_back(c.id);
    report.reason = sensor->device_names() + ": " + join(source_parts, "; ");
    if (!notes.empty()) report.reason += "; " + join(notes, "; ");
    return sensor;
}

}  // namespace

NvmlOptions::PidMapping::Kind pid_mapping_kind(std::string_view ns_link,
                                               std::optional<int> self_nspid_count) {
    // The initial pid namespace has the fixed inode PROC_PID_INIT_INO (0xEFFFFFFC) since Linux 3.8.
    if (ns_link.empty() || ns_link == "pid:[4026531836]") return NvmlOptions::PidMapping::Kind::same;
    // NSpid lists the pid in each namespace from the one the procfs was mounted for down to the process's
    // own: more than one entry for eco2 means this procfs shows outer pids too.
    if (self_nspid_count && *self_nspid_count > 1) return NvmlOptions::PidMapping::Kind::nspid;
    return NvmlOptions::PidMapping::Kind::unresolvable;
}

std::vector<pid_t> parse_status_nspid(std::string_view status) {
    std::vector<pid_t> out;
    while (!status.empty()) {
        const std::size_t eol = status.find('\n');
        std::string_view line = status.substr(0, eol);
        status.remove_prefix(eol == std::string_view::npos ? status.size() : eol + 1);
        if (line.substr(0, 6) != "NSpid:") continue;
        line.remove_prefix(6);
        while (true) {
            const std::size_t first = line.find_first_not_of(" \t\r");  // the line has no '\n'
            if (first == std::string_view::npos) break;
            line.remove_prefix(first);
            std::size_t end = 0;
            while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
            pid_t pid = 0;
            if (end == 0 || std::from_chars(line.data(), line.data() + end, pid).ec != std::errc()) return {};
            out.push_back(pid);
            line.remove_prefix(end);
        }
        break;
    }
    return out;
}

std::unique_ptr<Sensor> make_nvml_sensor(NvmlApi api, const NvmlOptions& options, ProbeReport& report) {
    return probe(api, std::nullopt, options, report);
}

std::unique_ptr<Sensor> make_nvml_sensor(const NvmlOptions& options, ProbeReport& report) {
    std::string error;
    bool not_found = false;
    std::optional<NvmlLibrary> library = NvmlLibrary::open(options.library, error, not_found);
    if (!library) {
        report.backend = "nvml";
        report.channels.clear();
        if (not_found) {
            report.status = ProbeStatus::absent;
            report.reason = "NVIDIA management library not found (" + error + ")";
            report.fix =
                "install the NVIDIA driver, or set ECO2_NVML_LIBRARY to the path of libnvidia-ml.so.1";
        } else {
            report.status = ProbeStatus::failed;
            report.reason = error;
            report.fix = "update the NVIDIA driver";
        }
        return nullptr;
    }
    const NvmlApi api = library->api();
    return probe(api, std::move(library), options, report);
}

NvmlOptions nvml_options(const sys::SystemContext& context, Scope scope) {
    NvmlOptions nvml;
    nvml.library = context.nvml_library();
    nvml.scope = scope;
    // CUDA_VISIBLE_DEVICES describes the job's GPUs; the machine scope counts every GPU of the machine.
    if (scope == Scope::process) nvml.cuda_visible_devices = context.env().get("CUDA_VISIBLE_DEVICES");
    nvml.cuda_device_order = context.env().get("CUDA_DEVICE_ORDER");
    // In process scope NVML's pids (the initial pid namespace's) are matched to the tree's: how depends on the
    // pid namespace eco2 runs in (see NvmlOptions::PidMapping).
    if (scope == Scope::process) {
        const sys::FsRoot& fs = context.fs();
        std::error_code ec;
        const std::filesystem::path link = std::filesystem::read_symlink(fs.self_pid_ns(), ec);
        const sys::ReadResult self = context.reader().read(fs.self_status());
        const std::optional<int> levels = self.ok() ? sys::parse_status_nspid_count(self.text) : std::optional<int>();
        nvml.pids.kind = pid_mapping_kind(ec ? std::string() : link.string(), levels);
        if (nvml.pids.kind == NvmlOptions::PidMapping::Kind::nspid) {
            // The sensor keeps the reader (shared) and the roots: it reads tracked pids' status at run time.
            nvml.pids.nspid = [fs, reader = context.shared_reader()](pid_t pid) {
                const sys::ReadResult status = reader->read(fs.pid_dir(pid) / "status");
                return status.ok() ? parse_status_nspid(status.text) : std::vector<pid_t>();
            };
        }
    }
    return nvml;
}

Discovery discover_nvml(const sys::SystemContext& context, const DiscoveryRequest& request) {
    Discovery d;
    std::unique_ptr<Sensor> sensor = make_nvml_sensor(nvml_options(context, request.scope), d.report);
    if (d.report.backend.empty()) d.report.backend = "nvml";
    if (sensor) d.offers.push_back({std::move(sensor), Component::gpu, "NVML measures the GPUs", {}});
    return d;
}

}  // namespace eco2::detail