#include "sensors/nvml_api.hpp"

#include <dlfcn.h>

#include <initializer_list>

namespace eco2::detail {
namespace {

// Binds the first of `names` the library exports. Newer drivers keep the old names for binary compatibility,
// so the versioned name must be tried first: the old entry point may have older semantics (nvmlInit without
// _v2 skips GPUs the caller may not access; the unversioned process lists fill the shorter v1 struct).
template <typename Fn>
void bind(void* handle, Fn& slot, std::initializer_list<const char*> names) noexcept {
    for (const char* name : names) {
        if (void* symbol = ::dlsym(handle, name); symbol != nullptr) {
            // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
            slot = reinterpret_cast<Fn>(symbol);
            return;
        }
    }
    slot = nullptr;
}

std::string dl_error_text() {
    const char* e = ::dlerror();
    return e != nullptr ? e : "unknown dlopen error";
}

}  // namespace

bool NvmlApi::complete() const noexcept {
    return init != nullptr && shutdown != nullptr && error_string != nullptr && device_get_count != nullptr &&
           device_get_handle_by_index != nullptr;
}

std::string NvmlApi::describe(NvmlReturn code) const {
    if (error_string != nullptr) {
        if (const char* s = error_string(code); s != nullptr && *s != '\0') return s;
    }
    return "NVML error " + std::to_string(code);
}

void NvmlLibrary::Closer::operator()(void* handle) const noexcept {
    if (handle != nullptr) ::dlclose(handle);
}

std::optional<NvmlLibrary> NvmlLibrary::open(const std::string& path, std::string& error, bool& not_found) {
    std::initializer_list<const char*> defaults = {DEFAULT_NAME, "libnvidia-ml.so"};
    const bool search_defaults = path.empty() || path == DEFAULT_NAME;

    NvmlLibrary lib;
    std::string tried;
    auto try_open = [&](const char* name) {
        // RTLD_LOCAL: NVML's symbols must not satisfy other libraries' lookups (a fake in tests, or a second
        // copy). RTLD_NOW: a broken library fails here rather than at the first call on the sampler thread.
        if (void* h = ::dlopen(name, RTLD_NOW | RTLD_LOCAL); h != nullptr) {
            lib.m_handle.reset(h);
            lib.m_name = name;
            return true;
        }
        if (!tried.empty()) tried += "; ";
        tried += dl_error_text();
        return false;
    };
    bool opened = false;
    if (search_defaults) {
        for (const char* name : defaults) {
            if ((opened = try_open(name))) break;
        }
    } else {
        opened = try_open(path.c_str());
    }
    if (!opened) {
        not_found = true;
        error = tried;
        return std::nullopt;
    }

    void* h = lib.m_handle.get();
    NvmlApi& api = lib.m_api;
    bind(h, api.init, {"nvmlInit_v2", "nvmlInit"});
    bind(h, api.shutdown, {"nvmlShutdown"});
    bind(h, api.error_string, {"nvmlErrorString"});
    bind(h, api.device_get_count, {"nvmlDeviceGetCount_v2", "nvmlDeviceGetCount"});
    bind(h, api.device_get_handle_by_index, {"nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex"});
    bind(h, api.device_get_name, {"nvmlDeviceGetName"});
    bind(h, api.device_get_uuid, {"nvmlDeviceGetUUID"});
    bind(h, api.device_get_total_energy_consumption, {"nvmlDeviceGetTotalEnergyConsumption"});
    bind(h, api.device_get_power_usage, {"nvmlDeviceGetPowerUsage"});
    bind(h, api.device_get_field_values, {"nvmlDeviceGetFieldValues"});
    bind(h, api.device_get_compute_running_processes,
         {"nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2"});
    bind(h, api.device_get_graphics_running_processes,
         {"nvmlDeviceGetGraphicsRunningProcesses_v3", "nvmlDeviceGetGraphicsRunningProcesses_v2"});
    bind(h, api.device_get_handle_by_uuid, {"nvmlDeviceGetHandleByUUID"});
    bind(h, api.device_get_device_handle_from_mig_device_handle,
         {"nvmlDeviceGetDeviceHandleFromMigDeviceHandle"});
    bind(h, api.device_get_max_mig_device_count, {"nvmlDeviceGetMaxMigDeviceCount"});
    bind(h, api.device_get_mig_device_handle_by_index, {"nvmlDeviceGetMigDeviceHandleByIndex"});
    bind(h, api.device_get_gpu_instance_id, {"nvmlDeviceGetGpuInstanceId"});
    bind(h, api.device_get_compute_instance_id, {"nvmlDeviceGetComputeInstanceId"});
    bind(h, api.device_get_attributes, {"nvmlDeviceGetAttributes_v2", "nvmlDeviceGetAttributes"});
    bind(h, api.device_get_num_gpu_cores, {"nvmlDeviceGetNumGpuCores"});
    bind(h, api.device_get_max_clock_info, {"nvmlDeviceGetMaxClockInfo"});
    if (api.device_get_compute_running_processes == nullptr)
        bind(h, api.device_get_compute_running_processes_v1, {"nvmlDeviceGetComputeRunningProcesses"});
    if (api.device_get_graphics_running_processes == nullptr)
        bind(h, api.device_get_graphics_running_processes_v1, {"nvmlDeviceGetGraphicsRunningProcesses"});

    if (!api.complete()) {
        not_found = false;
        error = lib.m_name +
                " lacks a required NVML function (nvmlInit, nvmlShutdown, nvmlErrorString, "
                "nvmlDeviceGetCount or nvmlDeviceGetHandleByIndex)";
        return std::nullopt;
    }
    return lib;
}

}  // namespace eco2::detail
