#pragma once
// The NVIDIA Management Library as eco2 sees it: the few types and constants it uses, declared here (the
// build needs neither CUDA nor nvml.h), and a table of function pointers bound with dlopen/dlsym at run time.
// Unit tests fill an NvmlApi by hand with plain functions; production binds libnvidia-ml through NvmlLibrary.
//
// Layouts and values follow the NVML API reference (docs.nvidia.com/deploy/nvml-api) and nvml.h as shipped
// with the driver; static_asserts below pin the sizes that matter for the ABI.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace eco2::detail {

// ------------------------------------------------------------------ types

/// nvmlReturn_t: an enum in C, passed as int.
using NvmlReturn = int;

inline constexpr NvmlReturn NVML_SUCCESS = 0;
inline constexpr NvmlReturn NVML_ERROR_UNINITIALIZED = 1;
inline constexpr NvmlReturn NVML_ERROR_INVALID_ARGUMENT = 2;
inline constexpr NvmlReturn NVML_ERROR_NOT_SUPPORTED = 3;
inline constexpr NvmlReturn NVML_ERROR_NO_PERMISSION = 4;
inline constexpr NvmlReturn NVML_ERROR_NOT_FOUND = 6;
inline constexpr NvmlReturn NVML_ERROR_INSUFFICIENT_SIZE = 7;
inline constexpr NvmlReturn NVML_ERROR_DRIVER_NOT_LOADED = 9;
inline constexpr NvmlReturn NVML_ERROR_FUNCTION_NOT_FOUND = 13;
inline constexpr NvmlReturn NVML_ERROR_GPU_IS_LOST = 15;
inline constexpr NvmlReturn NVML_ERROR_UNKNOWN = 999;

/// nvmlDevice_t: an opaque handle owned by the driver.
struct NvmlDeviceOpaque;
using NvmlDevice = NvmlDeviceOpaque*;

/// nvmlProcessInfo_t / nvmlProcessInfo_v2_t, filled by the _v2 and _v3 process-list functions.
struct NvmlProcessInfo {
    unsigned int pid;
    unsigned long long usedGpuMemory;  // bytes
    unsigned int gpuInstanceId;        // MIG only, else 0xFFFFFFFF
    unsigned int computeInstanceId;    // MIG only, else 0xFFFFFFFF
};
static_assert(sizeof(NvmlProcessInfo) == 24, "nvmlProcessInfo_v2_t is 24 bytes");

/// nvmlProcessInfo_v1_t, filled by the unversioned (legacy) process-list functions.
struct NvmlProcessInfoV1 {
    unsigned int pid;
    unsigned long long usedGpuMemory;
};
static_assert(sizeof(NvmlProcessInfoV1) == 16, "nvmlProcessInfo_v1_t is 16 bytes");

/// nvmlValueType_t: which member of NvmlValue a field value fills.
inline constexpr int NVML_VALUE_TYPE_DOUBLE = 0;
inline constexpr int NVML_VALUE_TYPE_UNSIGNED_INT = 1;
inline constexpr int NVML_VALUE_TYPE_UNSIGNED_LONG = 2;
inline constexpr int NVML_VALUE_TYPE_UNSIGNED_LONG_LONG = 3;
inline constexpr int NVML_VALUE_TYPE_SIGNED_LONG_LONG = 4;
inline constexpr int NVML_VALUE_TYPE_SIGNED_INT = 5;
inline constexpr int NVML_VALUE_TYPE_UNSIGNED_SHORT = 6;

/// nvmlValue_t.
union NvmlValue {
    double dVal;
    int siVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    long long sllVal;
    unsigned short usVal;
};
static_assert(sizeof(NvmlValue) == 8, "nvmlValue_t is 8 bytes");

/// nvmlFieldValue_t, in and out of nvmlDeviceGetFieldValues.
struct NvmlFieldValue {
    unsigned int fieldId;   // in: one of the NVML_FI_* ids
    unsigned int scopeId;   // in: 0 for device-wide fields
    long long timestamp;    // out: CPU time of the value, µs since 1970
    long long latencyUsec;  // out
    int valueType;          // out: NVML_VALUE_TYPE_*
    NvmlReturn nvmlReturn;  // out: this field's status; value is undefined unless NVML_SUCCESS
    NvmlValue value;        // out
};
static_assert(sizeof(NvmlFieldValue) == 40, "nvmlFieldValue_t is 40 bytes");
static_assert(offsetof(NvmlFieldValue, value) == 32, "nvmlFieldValue_t::value at offset 32");

/// Field id of the instantaneous board power in mW (nvml.h: "Current GPU power, supported on all
/// architectures"). Drivers older than the field return a per-field error, never a wrong value.
inline constexpr unsigned int NVML_FI_DEV_POWER_INSTANT = 186;

/// Buffer sizes large enough for nvmlDeviceGetName / nvmlDeviceGetUUID (NVML_DEVICE_*_V2_BUFFER_SIZE).
inline constexpr unsigned int NVML_DEVICE_NAME_BUFFER = 96;
inline constexpr unsigned int NVML_DEVICE_UUID_BUFFER = 96;

/// nvmlDeviceAttributes_t, filled by nvmlDeviceGetAttributes(_v2) for MIG device handles.
struct NvmlDeviceAttributes {
    unsigned int multiprocessorCount;
    unsigned int sharedCopyEngineCount;
    unsigned int sharedDecoderCount;
    unsigned int sharedEncoderCount;
    unsigned int sharedJpegCount;
    unsigned int sharedOfaCount;
    unsigned int gpuInstanceSliceCount;
    unsigned int computeInstanceSliceCount;  // the MIG device's compute slices (of the GPU's MIG slots)
    unsigned long long memorySizeMB;
};
static_assert(sizeof(NvmlDeviceAttributes) == 40, "nvmlDeviceAttributes_t is 40 bytes");

/// nvmlClockType_t NVML_CLOCK_SM.
inline constexpr int NVML_CLOCK_SM = 1;

// ------------------------------------------------------------------ function table

/// The NVML entry points eco2 uses. Required members are non-null in any table NvmlLibrary returns; optional
/// ones are null when the library lacks the symbol (callers must check). Tests fill the table directly.
/// NVML itself is thread-safe; the table is plain data.
struct NvmlApi {
    // Required.
    NvmlReturn (*init)() = nullptr;                     ///< nvmlInit_v2, else nvmlInit
    NvmlReturn (*shutdown)() = nullptr;                 ///< nvmlShutdown
    const char* (*error_string)(NvmlReturn) = nullptr;  ///< nvmlErrorString; never null for a loaded library
    NvmlReturn (*device_get_count)(unsigned int*) = nullptr;                        ///< _v2, else plain
    NvmlReturn (*device_get_handle_by_index)(unsigned int, NvmlDevice*) = nullptr;  ///< _v2, else plain

    // Optional.
    NvmlReturn (*device_get_name)(NvmlDevice, char*, unsigned int) = nullptr;
    NvmlReturn (*device_get_uuid)(NvmlDevice, char*, unsigned int) = nullptr;
    /// mJ since the driver was last loaded; Volta and newer, else NVML_ERROR_NOT_SUPPORTED.
    NvmlReturn (*device_get_total_energy_consumption)(NvmlDevice, unsigned long long*) = nullptr;
    /// mW; on Ampere (except GA100) and newer a 1 s average, on older GPUs instantaneous.
    NvmlReturn (*device_get_power_usage)(NvmlDevice, unsigned int*) = nullptr;
    NvmlReturn (*device_get_field_values)(NvmlDevice, int, NvmlFieldValue*) = nullptr;
    /// Process lists, _v3 else _v2 (same layout). When both are missing, the legacy unversioned function is
    /// bound to the *_v1 member instead; it fills the shorter NvmlProcessInfoV1.
    NvmlReturn (*device_get_compute_running_processes)(NvmlDevice, unsigned int*, NvmlProcessInfo*) = nullptr;
    NvmlReturn (*device_get_graphics_running_processes)(NvmlDevice, unsigned int*,
                                                        NvmlProcessInfo*) = nullptr;
    NvmlReturn (*device_get_compute_running_processes_v1)(NvmlDevice, unsigned int*,
                                                          NvmlProcessInfoV1*) = nullptr;
    NvmlReturn (*device_get_graphics_running_processes_v1)(NvmlDevice, unsigned int*,
                                                           NvmlProcessInfoV1*) = nullptr;

    // Optional, MIG (R450+): MIG device handles, their parent GPU and their size.
    NvmlReturn (*device_get_handle_by_uuid)(const char*, NvmlDevice*) = nullptr;  ///< GPU- or MIG- UUID
    NvmlReturn (*device_get_device_handle_from_mig_device_handle)(NvmlDevice, NvmlDevice*) = nullptr;
    NvmlReturn (*device_get_max_mig_device_count)(NvmlDevice, unsigned int*) = nullptr;  ///< MIG slots
    NvmlReturn (*device_get_mig_device_handle_by_index)(NvmlDevice, unsigned int, NvmlDevice*) = nullptr;
    NvmlReturn (*device_get_gpu_instance_id)(NvmlDevice, unsigned int*) = nullptr;      ///< of a MIG handle
    NvmlReturn (*device_get_compute_instance_id)(NvmlDevice, unsigned int*) = nullptr;  ///< of a MIG handle
    NvmlReturn (*device_get_attributes)(NvmlDevice, NvmlDeviceAttributes*) = nullptr;   ///< _v2, else plain

    // Optional, for CUDA_DEVICE_ORDER=FASTEST_FIRST: the GPUs' peak throughput, estimated.
    NvmlReturn (*device_get_num_gpu_cores)(NvmlDevice, unsigned int*) = nullptr;  ///< CUDA cores (R520+)
    NvmlReturn (*device_get_max_clock_info)(NvmlDevice, int, unsigned int*) = nullptr;  ///< MHz

    /// Whether every required member is set.
    bool complete() const noexcept;
    /// nvmlErrorString(code), or "NVML error <code>" when error_string is null; never null.
    std::string describe(NvmlReturn code) const;
};

/// A dlopen'ed libnvidia-ml and the table bound from it. Move-only; dlclose on destruction (after the owner
/// has called shutdown: the table's pointers dangle once the library is closed).
class NvmlLibrary {
public:
    /// The name dlopen tries first; the unversioned "libnvidia-ml.so" (development symlink) comes second.
    static constexpr const char* DEFAULT_NAME = "libnvidia-ml.so.1";

    /// Opens `path` and binds the table. An empty path, or DEFAULT_NAME, searches DEFAULT_NAME then
    /// "libnvidia-ml.so" on the dynamic loader's path. On failure returns nullopt and sets `error` and
    /// `not_found` (true when no library could be opened; false when one opened but lacks required symbols).
    /// Never throws except std::bad_alloc.
    static std::optional<NvmlLibrary> open(const std::string& path, std::string& error, bool& not_found);

    const NvmlApi& api() const noexcept { return m_api; }
    /// The name or path that dlopen accepted.
    const std::string& name() const noexcept { return m_name; }

private:
    struct Closer {
        void operator()(void* handle) const noexcept;
    };
    std::unique_ptr<void, Closer> m_handle;
    NvmlApi m_api;
    std::string m_name;
};

}  // namespace eco2::detail
