#include "sensors/nvml_sensor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <new>
#include <unordered_map>
#include <utility>

namespace eco2::detail {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view LISTING_UNSUPPORTED = "process listing unsupported: all visible GPUs counted";
constexpr std::string_view PIDS_UNRESOLVABLE =
    "host pids not visible in this pid namespace: a GPU counts while any process is on it";

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
    bool list_compute = false;       // process scope: list compute processes in slow_update
    bool list_graphics = false;      // process scope: list graphics processes too
    double share = 1.0;              // MIG: the selected slices' share of the GPU's energy (<= 1)
    std::vector<NvmlDevice> slices;  // MIG: the selected MIG devices, listed instead of the GPU
};

// A MIG device named by CUDA_VISIBLE_DEVICES, resolved to its parent GPU.
struct MigSlice {
    unsigned int parent = 0;
    NvmlDevice handle = nullptr;  // null when the MIG device itself could not be found (share unknown)
    std::string id;
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

// Whether a listed pid (NVML's: the initial pid namespace's) is one of `pids` (sorted): the tracked pids, or
// under PidMapping::nspid their outermost NSpid entries (see NvmlSensor::match_set).
template <typename Info>
bool any_tracked(const std::vector<Info>& infos, unsigned int n, const std::vector<pid_t>& pids) noexcept {
    for (unsigned int k = 0; k < n; ++k) {
        const auto pid = static_cast<pid_t>(infos[k].pid);
        if (std::binary_search(pids.begin(), pids.end(), pid)) return true;
    }
    return false;
}

class NvmlSensor final : public Sensor {
public:
    NvmlSensor(NvmlApi api, std::optional<NvmlLibrary> library, std::vector<Gpu> gpus, std::string source,
               NvmlOptions::PidMapping pids)
        : m_library(std::move(library)),
          m_api(api),
          m_gpus(std::move(gpus)),
          m_source(std::move(source)),
          m_pid_kind(pids.kind),
          m_nspid(std::move(pids.nspid)) {
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
            values[i] = v * m_gpus[i].share;  // a MIG slice's estimated part of the GPU's energy or power
        }
    }

    void slow_update(const TreeSample& tree, bool* used) noexcept override {
        const std::vector<pid_t>& pids = match_set(tree.pids);
        for (std::size_t i = 0; i < m_gpus.size(); ++i) {
            const Gpu& g = m_gpus[i];
            if (!g.list_compute) continue;
            bool seen = false;
            NvmlReturn rc = NVML_SUCCESS;
            // A whole GPU lists on its own handle; MIG slices each on theirs (the GPU's list holds every
            // tenant's processes).
            const std::size_t handles = g.slices.empty() ? 1 : g.slices.size();
            for (std::size_t h = 0; h < handles && !seen && rc == NVML_SUCCESS; ++h) {
                const NvmlDevice d = g.slices.empty() ? g.device : g.slices[h];
                rc = scan(d, false, pids, seen);
                if (rc == NVML_SUCCESS && !seen && g.list_graphics) rc = scan(d, true, pids, seen);
            }
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
    NvmlReturn scan(NvmlDevice device, bool graphics, const std::vector<pid_t>& pids, bool& seen) noexcept {
        unsigned int n = 0;
        NvmlReturn rc;
        // A container's own procfs cannot tell which host pid is ours: any process on the device counts.
        const bool any = m_pid_kind == NvmlOptions::PidMapping::Kind::unresolvable;
        auto fn = graphics ? m_api.device_get_graphics_running_processes
                           : m_api.device_get_compute_running_processes;
        if (fn != nullptr) {
            rc = list_processes(fn, device, m_procs, n);
            if (rc == NVML_SUCCESS) seen = any ? n > 0 : any_tracked(m_procs, n, pids);
        } else {
            auto fn_v1 = graphics ? m_api.device_get_graphics_running_processes_v1
                                  : m_api.device_get_compute_running_processes_v1;
            rc = list_processes(fn_v1, device, m_procs_v1, n);
            if (rc == NVML_SUCCESS) seen = any ? n > 0 : any_tracked(m_procs_v1, n, pids);
        }
        return rc;
    }

    // The sorted pids a listed pid may match: the tracked ones, or under PidMapping::nspid the first
    // (outermost) NSpid entry of each, the pid in the procfs's namespace, NVML's when that procfs is the
    // host's (read once per process and kept while it is tracked; the pid itself when its status cannot be
    // read).
    const std::vector<pid_t>& match_set(const std::vector<pid_t>& tracked) noexcept {
        try {
            m_match.clear();
            if (m_pid_kind != NvmlOptions::PidMapping::Kind::nspid || !m_nspid) {
                m_match.assign(tracked.begin(), tracked.end());
            } else {
                for (pid_t pid : tracked) {
                    auto it = m_aliases.find(pid);
                    if (it == m_aliases.end()) {
                        const std::vector<pid_t> entries = m_nspid(pid);
                        it = m_aliases.emplace(pid, entries.empty() ? pid : entries.front()).first;
                    }
                    m_match.push_back(it->second);
                }
                if (m_aliases.size() > tracked.size()) {  // forget processes no longer tracked
                    for (auto it = m_aliases.begin(); it != m_aliases.end();) {
                        if (std::find(tracked.begin(), tracked.end(), it->first) == tracked.end()) {
                            it = m_aliases.erase(it);
                        } else {
                            ++it;
                        }
                    }
                }
            }
            std::sort(m_match.begin(), m_match.end());
        } catch (const std::exception&) {  // bad_alloc, or the reader's: match what was gathered
            std::sort(m_match.begin(), m_match.end());
        }
        return m_match;
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
    NvmlOptions::PidMapping::Kind m_pid_kind;
    std::function<std::vector<pid_t>(pid_t)> m_nspid;
    std::unordered_map<pid_t, pid_t> m_aliases;  // tracked pid -> its outermost NSpid entry
    std::vector<pid_t> m_match;
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

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Whether a CUDA_VISIBLE_DEVICES value has an index entry (the only kind CUDA_DEVICE_ORDER affects).
bool has_index_entry(std::string_view value) noexcept {
    while (true) {
        const std::size_t comma = value.find(',');
        if (all_digits(trim(value.substr(0, comma)))) return true;
        if (comma == std::string_view::npos) return false;
        value.remove_prefix(comma + 1);
    }
}

std::string uuid_of(const NvmlApi& api, NvmlDevice d) {
    char buf[NVML_DEVICE_UUID_BUFFER] = {};
    if (api.device_get_uuid == nullptr || api.device_get_uuid(d, buf, sizeof buf) != NVML_SUCCESS) return {};
    return buf;
}

std::optional<unsigned int> exact_index(const std::vector<std::string>& uuids, std::string_view uuid) {
    for (unsigned int i = 0; i < uuids.size(); ++i) {
        if (!uuid.empty() && uuids[i] == uuid) return i;
    }
    return std::nullopt;
}

// Calls f on each MIG device of `parent` until it returns true.
template <typename F>
void for_each_mig(const NvmlApi& api, NvmlDevice parent, F f) {
    if (api.device_get_max_mig_device_count == nullptr ||
        api.device_get_mig_device_handle_by_index == nullptr)
        return;
    unsigned int slots = 0;
    if (api.device_get_max_mig_device_count(parent, &slots) != NVML_SUCCESS) return;
    for (unsigned int k = 0; k < slots; ++k) {
        NvmlDevice m = nullptr;
        // Empty slots answer NVML_ERROR_NOT_FOUND.
        if (api.device_get_mig_device_handle_by_index(parent, k, &m) == NVML_SUCCESS && m != nullptr && f(m))
            return;
    }
}

// Resolves a MIG entry of CUDA_VISIBLE_DEVICES to its parent GPU (and the MIG device, where found).
std::optional<MigSlice> resolve_mig(const NvmlApi& api, const std::vector<NvmlDevice>& handles,
                                    const std::vector<NvmlReturn>& handle_rc,
                                    const std::vector<std::string>& uuids, std::string_view id) {
    if (id.size() <= 4 || id.substr(0, 4) != "MIG-") return std::nullopt;
    MigSlice out;
    out.id = std::string(id);
    if (id.substr(0, 8) == "MIG-GPU-") {
        // Before R470: MIG-GPU-<GPU UUID>/<GPU instance id>/<compute instance id>.
        const std::size_t slash = id.find('/');
        if (slash == std::string_view::npos) return std::nullopt;
        const std::optional<unsigned int> parent = exact_index(uuids, id.substr(4, slash - 4));
        if (!parent || handle_rc[*parent] != NVML_SUCCESS) return std::nullopt;
        out.parent = *parent;
        const std::string_view ids = id.substr(slash + 1);
        const std::size_t slash2 = ids.find('/');
        unsigned int gi = 0, ci = 0;
        const bool parsed =
            slash2 != std::string_view::npos && all_digits(ids.substr(0, slash2)) &&
            all_digits(ids.substr(slash2 + 1)) &&
            std::from_chars(ids.data(), ids.data() + slash2, gi).ec == std::errc() &&
            std::from_chars(ids.data() + slash2 + 1, ids.data() + ids.size(), ci).ec == std::errc();
        if (parsed && api.device_get_gpu_instance_id != nullptr &&
            api.device_get_compute_instance_id != nullptr) {
            for_each_mig(api, handles[*parent], [&](NvmlDevice m) {
                unsigned int g = 0, c = 0;
                if (api.device_get_gpu_instance_id(m, &g) == NVML_SUCCESS &&
                    api.device_get_compute_instance_id(m, &c) == NVML_SUCCESS && g == gi && c == ci) {
                    out.handle = m;
                    return true;
                }
                return false;
            });
        }
        return out;
    }
    // R470 and later: MIG-<UUID>, the MIG device's own UUID. NVML finds it directly, else among each GPU's
    // MIG devices.
    const std::string key(id);
    if (api.device_get_handle_by_uuid != nullptr &&
        api.device_get_device_handle_from_mig_device_handle != nullptr) {
        NvmlDevice m = nullptr, parent = nullptr;
        if (api.device_get_handle_by_uuid(key.c_str(), &m) == NVML_SUCCESS &&
            api.device_get_device_handle_from_mig_device_handle(m, &parent) == NVML_SUCCESS) {
            for (unsigned int i = 0; i < handles.size(); ++i) {
                if (handle_rc[i] == NVML_SUCCESS && handles[i] == parent) {
                    out.parent = i;
                    out.handle = m;
                    return out;
                }
            }
            if (const auto i = exact_index(uuids, uuid_of(api, parent))) {
                out.parent = *i;
                out.handle = m;
                return out;
            }
        }
    }
    for (unsigned int i = 0; i < handles.size(); ++i) {
        if (handle_rc[i] != NVML_SUCCESS) continue;
        for_each_mig(api, handles[i], [&](NvmlDevice m) {
            if (uuid_of(api, m) != key) return false;
            out.parent = i;
            out.handle = m;
            return true;
        });
        if (out.handle != nullptr) return out;
    }
    return std::nullopt;
}

// A GPU of which only MIG slices are visible: sets g.share (the slices' compute-instance slices over the
// GPU's MIG slots, at most 1) and g.slices (listed instead of the GPU). Returns the record's words for it.
std::string mig_share(const NvmlApi& api, Gpu& g, const std::vector<MigSlice>& mig) {
    unsigned int slots = 0;
    bool known = api.device_get_max_mig_device_count != nullptr &&
                 api.device_get_max_mig_device_count(g.device, &slots) == NVML_SUCCESS && slots > 0;
    unsigned int slices = 0;
    for (const MigSlice& m : mig) {
        if (m.parent != g.index) continue;
        if (m.handle == nullptr) {
            known = false;
            continue;
        }
        if (std::find(g.slices.begin(), g.slices.end(), m.handle) != g.slices.end()) continue;  // a repeat
        g.slices.push_back(m.handle);
        NvmlDeviceAttributes a{};
        if (api.device_get_attributes != nullptr && api.device_get_attributes(m.handle, &a) == NVML_SUCCESS &&
            a.computeInstanceSliceCount > 0) {
            slices += a.computeInstanceSliceCount;
        } else {
            known = false;
        }
    }
    if (!known) {
        // Without the slice sizes (or the MIG device itself) the whole GPU is counted, listed on the GPU.
        g.share = 1.0;
        g.slices.clear();
        return "MIG slice share unknown: whole GPU counted";
    }
    g.share = std::min(1.0, static_cast<double>(slices) / static_cast<double>(slots));
    return "MIG " + std::to_string(std::min(slices, slots)) + "/" + std::to_string(slots) +
           " of the GPU (compute slices / MIG slots)";
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
        std::make_unique<NvmlSensor>(api, std::move(library), std::move(gpus), source, options.pids);
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
            line = trim(line);
            if (line.empty()) break;
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

std::vector<unsigned int> cuda_device_order(const std::optional<std::string>& order,
                                            const std::vector<double>& score, std::string& note) {
    std::vector<unsigned int> out(score.size());
    for (unsigned int i = 0; i < out.size(); ++i) out[i] = i;
    if (order && trim(*order) == "PCI_BUS_ID") return out;  // NVML enumerates in PCI bus order
    // FASTEST_FIRST: CUDA's default, and what CUDA does with any other value.
    if (score.size() < 2) return out;
    if (std::any_of(score.begin(), score.end(), [](double x) { return !(x > 0.0); })) {
        note =
            "CUDA_DEVICE_ORDER is FASTEST_FIRST (CUDA's default) but NVML gives no core count or clock for "
            "some GPU: CUDA_VISIBLE_DEVICES indices taken in PCI bus order (set CUDA_DEVICE_ORDER=PCI_BUS_ID "
            "to be exact)";
        return out;
    }
    if (std::all_of(score.begin(), score.end(), [&](double x) { return x == score.front(); })) return out;
    std::stable_sort(out.begin(), out.end(),
                     [&](unsigned int a, unsigned int b) { return score[a] > score[b]; });
    note =
        "CUDA_VISIBLE_DEVICES indices in CUDA's FASTEST_FIRST order, estimated as CUDA cores x max SM clock "
        "(set CUDA_DEVICE_ORDER=PCI_BUS_ID to be exact)";
    return out;
}

VisibleDevices parse_cuda_visible_devices(std::string_view value, const std::vector<std::string>& uuids) {
    CudaDeviceMap map;
    map.uuids = uuids;
    return parse_cuda_visible_devices(value, map);
}

VisibleDevices parse_cuda_visible_devices(std::string_view value, const CudaDeviceMap& map) {
    const std::vector<std::string>& uuids = map.uuids;
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
            if (!map.cuda_order.empty()) return index < map.cuda_order.size() ? map.cuda_order[index] : index;
            return index;
        }
        // CUDA accepts a UUID or any prefix of it that is unique, "GPU-" included (CUDA environment variables
        // reference). MIG-... ids name a slice of a GPU: they count on their parent GPU.
        if (entry.size() > 4 && entry.substr(0, 4) == "MIG-") return std::nullopt;  // see below
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
        const std::string_view entry = trim(raw);
        if (entry.size() > 4 && entry.substr(0, 4) == "MIG-") {
            const std::optional<unsigned int> parent =
                map.mig_parent ? map.mig_parent(entry) : std::optional<unsigned int>();
            if (!parent) {
                out.stopped_at = std::string(entry);
                break;
            }
            out.mig.push_back({*parent, std::string(entry)});
            if (comma == std::string_view::npos) break;
            start = comma + 1;
            continue;
        }
        const std::optional<unsigned int> index = match(entry);
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
