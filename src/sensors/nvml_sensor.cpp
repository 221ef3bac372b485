// The NVIDIA GPU sensor: reads the probed GPUs (energy counter or power) and their process lists.

#include <algorithm>
#include <limits>
#include <new>
#include <unordered_map>
#include <utility>

#include "sensors/nvml_gpu.hpp"

namespace eco2::detail::nvml {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

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
        std::vector<std::string> names;
        for (const Gpu& g : m_gpus) names.push_back(g.name);
        return summarize_device_names(names);
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


}  // namespace

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

std::unique_ptr<Sensor> make_sensor(NvmlApi api, std::optional<NvmlLibrary> library, std::vector<Gpu> gpus,
                                    std::string source, NvmlOptions::PidMapping pids) {
    return std::make_unique<NvmlSensor>(api, std::move(library), std::move(gpus), std::move(source),
                                        std::move(pids));
}

}  // namespace eco2::detail::nvml
