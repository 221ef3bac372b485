#include "sensors/nvml_sensor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <utility>

namespace eco2::detail {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view LISTING_UNSUPPORTED = "process listing unsupported: all visible GPUs counted";

/// How a GPU's channel is read; fixed at probe.
enum class Reading {
    energy_counter,  ///< nvmlDeviceGetTotalEnergyConsumption, mJ
    power_field,     ///< nvmlDeviceGetFieldValues(NVML_FI_DEV_POWER_INSTANT), mW
    power_usage,     ///< nvmlDeviceGetPowerUsage, mW
};

struct Gpu {
    unsigned int index = 0;
    NvmlDevice device = nullptr;
    std::string name;
    Reading reading = Reading::energy_counter;
    bool list_compute = false;   // process scope: list compute processes in slow_update
    bool list_graphics = false;  // process scope: list graphics processes too
};

std::string_view trim(std::string_view s) noexcept {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

std::string gpu_label(unsigned int index) {
    return "gpu" + std::to_string(index);
}

// A field value in the unit NVML gives (mW for the power field); nullopt for a type we do not know.
std::optional<double> field_number(const NvmlFieldValue& v) noexcept {
    switch (v.valueType) {
        case NVML_VALUE_TYPE_DOUBLE:
            return v.value.dVal;
        case NVML_VALUE_TYPE_UNSIGNED_INT:
            return static_cast<double>(v.value.uiVal);
        case NVML_VALUE_TYPE_UNSIGNED_LONG:
            return static_cast<double>(v.value.ulVal);
        case NVML_VALUE_TYPE_UNSIGNED_LONG_LONG:
            return static_cast<double>(v.value.ullVal);
        case NVML_VALUE_TYPE_SIGNED_LONG_LONG:
            return static_cast<double>(v.value.sllVal);
        case NVML_VALUE_TYPE_SIGNED_INT:
            return static_cast<double>(v.value.siVal);
        case NVML_VALUE_TYPE_UNSIGNED_SHORT:
            return static_cast<double>(v.value.usVal);
        default:
            return std::nullopt;
    }
}

// One reading of a GPU in SI units (J or W). Allocation-free.
NvmlReturn read_gpu(const NvmlApi& api, const Gpu& gpu, double& out) noexcept {
    switch (gpu.reading) {
        case Reading::energy_counter: {
            unsigned long long mj = 0;
            const NvmlReturn rc = api.device_get_total_energy_consumption(gpu.device, &mj);
            if (rc == NVML_SUCCESS) out = static_cast<double>(mj) * 1e-3;
            return rc;
        }
        case Reading::power_field: {
            NvmlFieldValue v{};
            v.fieldId = NVML_FI_DEV_POWER_INSTANT;
            NvmlReturn rc = api.device_get_field_values(gpu.device, 1, &v);
            if (rc == NVML_SUCCESS) rc = v.nvmlReturn;  // the call succeeds when any field was served
            if (rc != NVML_SUCCESS) return rc;
            const std::optional<double> mw = field_number(v);
            if (!mw) return NVML_ERROR_UNKNOWN;
            out = *mw * 1e-3;
            return NVML_SUCCESS;
        }
        case Reading::power_usage: {
            unsigned int mw = 0;
            const NvmlReturn rc = api.device_get_power_usage(gpu.device, &mw);
            if (rc == NVML_SUCCESS) out = static_cast<double>(mw) * 1e-3;
            return rc;
        }
    }
    return NVML_ERROR_UNKNOWN;
}

// Whether a process-list function answers on this device. Asking with an empty buffer is the documented way
// to get the count: NVML_SUCCESS (no process) or NVML_ERROR_INSUFFICIENT_SIZE (some) both mean it works.
template <typename Info>
NvmlReturn probe_listing(NvmlReturn (*fn)(NvmlDevice, unsigned int*, Info*), NvmlDevice device) noexcept {
    if (fn == nullptr) return NVML_ERROR_FUNCTION_NOT_FOUND;
    unsigned int count = 0;
    const NvmlReturn rc = fn(device, &count, nullptr);
    return rc == NVML_ERROR_INSUFFICIENT_SIZE ? NVML_SUCCESS : rc;
}

// Lists processes into `buffer`, growing it when NVML asks for more room (processes may start between the two
// calls, hence a few attempts). On success `n` is the number of entries filled.
template <typename Info>
NvmlReturn list_processes(NvmlReturn (*fn)(NvmlDevice, unsigned int*, Info*), NvmlDevice device,
                          std::vector<Info>& buffer, unsigned int& n) noexcept {
    for (int attempt = 0; attempt < 4; ++attempt) {
        unsigned int count = static_cast<unsigned int>(buffer.size());
        const NvmlReturn rc = fn(device, &count, buffer.data());
        if (rc == NVML_SUCCESS) {
            n = std::min(count, static_cast<unsigned int>(buffer.size()));
            return rc;
        }
        if (rc != NVML_ERROR_INSUFFICIENT_SIZE) return rc;
        try {
            buffer.resize(std::max<std::size_t>(count, buffer.size()) + 16);
        } catch (const std::bad_alloc&) {
            return NVML_ERROR_INSUFFICIENT_SIZE;
        }
    }
    return NVML_ERROR_INSUFFICIENT_SIZE;
}

template <typename Info>
bool any_tracked(const std::vector<Info>& infos, unsigned int n, const std::vector<pid_t>& pids) noexcept {
    for (unsigned int k = 0; k < n; ++k) {
        const auto pid = static_cast<pid_t>(infos[k].pid);
        if (std::find(pids.begin(), pids.end(), pid) != pids.end()) return true;
    }
    return false;
}

class NvmlSensor final : public Sensor {
public:
    NvmlSensor(NvmlApi api, std::optional<NvmlLibrary> library, std::vector<Gpu> gpus, std::string source)
        : m_library(std::move(library)), m_api(api), m_gpus(std::move(gpus)), m_source(std::move(source)) {
        m_channels.reserve(m_gpus.size());
        for (const Gpu& g : m_gpus) {
            Channel c;
            c.id = "nvml.gpu." + std::to_string(g.index);
            c.component = Component::gpu;
            c.kind = g.reading == Reading::energy_counter ? ChannelKind::energy_counter : ChannelKind::power;
            c.wrap_j = 0.0;  // a 64-bit mJ counter: no wrap within any run
            c.attribution = g.list_compute ? Attribution::process_list : Attribution::direct;
            m_channels.push_back(std::move(c));
        }
        m_used.assign(m_gpus.size(), false);
        m_procs.resize(32);
        m_procs_v1.resize(32);
    }

    ~NvmlSensor() override {
        // nvmlShutdown balances the probe's nvmlInit (NVML counts references); m_library closes afterwards.
        m_api.shutdown();
    }

    NvmlSensor(const NvmlSensor&) = delete;
    NvmlSensor& operator=(const NvmlSensor&) = delete;

    std::string_view backend() const noexcept override { return "nvml"; }
    const std::vector<Channel>& channels() const noexcept override { return m_channels; }

    void read(const TreeSample& tree, double* values) noexcept override {
        (void)tree;
        for (std::size_t i = 0; i < m_gpus.size(); ++i) {
            double v = NaN;  // read_gpu writes only on success
            const NvmlReturn rc = read_gpu(m_api, m_gpus[i], v);
            if (rc != NVML_SUCCESS) fail(i, rc, nullptr);
            values[i] = v;
        }
    }

    void slow_update(const TreeSample& tree, bool* used) noexcept override {
        for (std::size_t i = 0; i < m_gpus.size(); ++i) {
            const Gpu& g = m_gpus[i];
            if (!g.list_compute) continue;
            bool seen = false;
            NvmlReturn rc = scan(g, false, tree.pids, seen);
            if (rc == NVML_SUCCESS && !seen && g.list_graphics) rc = scan(g, true, tree.pids, seen);
            if (rc == NVML_SUCCESS) {
                m_used[i] = seen;
            } else {
                fail(i, rc, "process list");  // keep the last known state rather than guess
            }
            used[i] = m_used[i];
        }
    }

    std::string source() const override { return m_source; }
    bool estimated() const noexcept override { return false; }

    std::string device_names() const override {
        if (m_gpus.empty()) return {};
        const bool same = std::all_of(m_gpus.begin(), m_gpus.end(),
                                      [&](const Gpu& g) { return g.name == m_gpus.front().name; });
        if (same) {
            return m_gpus.size() == 1 ? m_gpus.front().name
                                      : m_gpus.front().name + " x" + std::to_string(m_gpus.size());
        }
        std::string out;
        for (const Gpu& g : m_gpus) {
            if (!out.empty()) out += ", ";
            out += g.name;
        }
        return out;
    }

private:
    NvmlReturn scan(const Gpu& g, bool graphics, const std::vector<pid_t>& pids, bool& seen) noexcept {
        unsigned int n = 0;
        NvmlReturn rc;
        auto fn = graphics ? m_api.device_get_graphics_running_processes
                           : m_api.device_get_compute_running_processes;
        if (fn != nullptr) {
            rc = list_processes(fn, g.device, m_procs, n);
            if (rc == NVML_SUCCESS) seen = any_tracked(m_procs, n, pids);
        } else {
            auto fn_v1 = graphics ? m_api.device_get_graphics_running_processes_v1
                                  : m_api.device_get_compute_running_processes_v1;
            rc = list_processes(fn_v1, g.device, m_procs_v1, n);
            if (rc == NVML_SUCCESS) seen = any_tracked(m_procs_v1, n, pids);
        }
        return rc;
    }

    // Counts a failed NVML call. The log keeps only its first message, so the text (which allocates) is built
    // only for that one; later failures pass the channel id, which costs nothing.
    void fail(std::size_t i, NvmlReturn rc, const char* what) noexcept {
        if (m_failures.count() == 0) {
            try {
                std::string message = m_channels[i].id + ": ";
                if (what != nullptr) message += std::string(what) + ": ";
                message += m_api.describe(rc);
                m_failures.record(message);
                return;
            } catch (const std::bad_alloc&) {
            }
        }
        m_failures.record(m_channels[i].id);
    }

    std::optional<NvmlLibrary> m_library;  // first member: closed last, after the destructor's nvmlShutdown
    NvmlApi m_api;
    std::vector<Gpu> m_gpus;  // m_gpus[i] feeds m_channels[i]
    std::vector<Channel> m_channels;
    std::string m_source;
    std::vector<bool> m_used;
    std::vector<NvmlProcessInfo> m_procs;
    std::vector<NvmlProcessInfoV1> m_procs_v1;
};

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
    if (options.cuda_visible_devices) {
        VisibleDevices visible = parse_cuda_visible_devices(*options.cuda_visible_devices, uuids);
        selected = std::move(visible.indices);
        std::sort(selected.begin(), selected.end());
        if (!visible.stopped_at.empty()) {
            notes.push_back(
                "CUDA_VISIBLE_DEVICES entry '" + visible.stopped_at +
                "' names no GPU (or more than one): it and later entries are ignored, as CUDA does");
        }
    } else {
        for (unsigned int i = 0; i < count; ++i) selected.push_back(i);
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
    std::vector<std::string> energy_labels, power_labels, unlisted_labels, dropped;
    for (unsigned int index : selected) {
        const std::string label = gpu_label(index);
        if (handle_rc[index] != NVML_SUCCESS) {
            dropped.push_back(label + ": " + api.describe(handle_rc[index]));
            continue;
        }
        Gpu g;
        g.index = index;
        g.device = handles[index];

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
            NvmlReturn rc = api.device_get_compute_running_processes != nullptr
                                ? probe_listing(api.device_get_compute_running_processes, g.device)
                                : probe_listing(api.device_get_compute_running_processes_v1, g.device);
            g.list_compute = rc == NVML_SUCCESS;
            if (g.list_compute) {
                rc = api.device_get_graphics_running_processes != nullptr
                         ? probe_listing(api.device_get_graphics_running_processes, g.device)
                         : probe_listing(api.device_get_graphics_running_processes_v1, g.device);
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
    std::string source = "nvml(" + join(source_parts, "; ") + ")";

    auto sensor = std::make_unique<NvmlSensor>(api, std::move(library), std::move(gpus), source);
    guard.release();  // the sensor's destructor shuts NVML down from now on

    report.status = ProbeStatus::available;
    for (const Channel& c : sensor->channels()) report.channels.push_back(c.id);
    report.reason = sensor->device_names() + ": " + join(source_parts, "; ");
    if (!notes.empty()) report.reason += "; " + join(notes, "; ");
    return sensor;
}

}  // namespace

VisibleDevices parse_cuda_visible_devices(std::string_view value, const std::vector<std::string>& uuids) {
    VisibleDevices out;
    value = trim(value);
    if (value.empty()) return out;

    auto match = [&](std::string_view entry) -> std::optional<unsigned int> {
        if (entry.empty()) return std::nullopt;
        if (std::all_of(entry.begin(), entry.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            unsigned int index = 0;
            const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), index);
            if (ec != std::errc() || end != entry.data() + entry.size() || index >= uuids.size())
                return std::nullopt;
            return index;
        }
        // CUDA accepts a UUID or any prefix of it that is unique, "GPU-" included (CUDA environment variables
        // reference). MIG-... ids name a slice of a GPU, which NVML's device list here does not resolve.
        if (entry.size() <= 4 || entry.substr(0, 4) != "GPU-") return std::nullopt;
        std::optional<unsigned int> found;
        for (unsigned int i = 0; i < uuids.size(); ++i) {
            if (uuids[i].size() >= entry.size() &&
                std::string_view(uuids[i]).substr(0, entry.size()) == entry) {
                if (found) return std::nullopt;  // ambiguous prefix
                found = i;
            }
        }
        return found;
    };

    std::size_t start = 0;
    while (start <= value.size()) {
        const std::size_t comma = value.find(',', start);
        const std::size_t stop = comma == std::string_view::npos ? value.size() : comma;
        const std::string_view raw = value.substr(start, stop - start);
        const std::optional<unsigned int> index = match(trim(raw));
        if (!index) {
            out.stopped_at = std::string(trim(raw));
            if (out.stopped_at.empty()) out.stopped_at = "(empty)";
            break;
        }
        if (std::find(out.indices.begin(), out.indices.end(), *index) == out.indices.end())
            out.indices.push_back(*index);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
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

}  // namespace eco2::detail
