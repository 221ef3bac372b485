/*
 * fake_nvml.c: a stand-in for libnvidia-ml.so.1, for testing eco2's real dlopen path (and `eco2 run` end to
 * end) on machines without an NVIDIA GPU. It exports the NVML functions eco2 binds, under the same names and
 * with the same C ABI, and serves GPUs described by a scenario directory.
 *
 * The scenario directory is named by the environment variable FAKE_NVML_DIR and is read again on every call,
 * so a test (or a shell command) can change a counter, add an error or remove a file while a run goes on.
 *
 *   $FAKE_NVML_DIR/
 *     count                  number of GPUs (decimal); absent: 0
 *     init_error             present: nvmlInit fails with the NVML error code it holds (empty: 9, driver not
 *                            loaded). Without FAKE_NVML_DIR at all, nvmlInit fails with 9 too.
 *     gpuN/                  GPU with NVML index N (0-based)
 *       name                 nvmlDeviceGetName; absent: "Fake GPU N"
 *       uuid                 nvmlDeviceGetUUID; absent: "GPU-fa4e0000-0000-0000-0000-0000000000NN" (NN = N)
 *       energy_mj            nvmlDeviceGetTotalEnergyConsumption in mJ; absent: NOT_SUPPORTED (as pre-Volta)
 *       power_mw             nvmlDeviceGetPowerUsage in mW; absent: NOT_SUPPORTED
 *       power_instant_mw     field 186 (NVML_FI_DEV_POWER_INSTANT) of nvmlDeviceGetFieldValues in mW, served
 *                            as an unsigned int; absent: that field's nvmlReturn is NOT_SUPPORTED
 *       pids                 compute processes, one pid per line
 *       graphics_pids        graphics processes, one pid per line
 *       pids_unsupported     present: both process lists return NOT_SUPPORTED (as on some vGPU / MIG setups)
 *       error                present: every call on this GPU returns the NVML error code it holds (e.g. 15,
 *                            GPU is lost); empty: 999 (unknown)
 *       handle_error         present: nvmlDeviceGetHandleByIndex(N) fails with the code it holds (e.g. 4)
 *       cores, max_sm_clock_mhz   nvmlDeviceGetNumGpuCores, nvmlDeviceGetMaxClockInfo(SM); absent:
 * NOT_SUPPORTED
 *
 *     A GPU over time (process scope tests): with both files below, the GPU draws idle_mw (absent: 0) except
 *     in the timeline's segments, energy_mj becomes its file's value (absent: 0) plus the energy drawn since
 *     the origin, and the process lists hold pids / graphics_pids only while an "on" segment runs:
 *       timeline             lines "<from_s> <to_s> <power_mw> <on: 0|1>", seconds after the origin
 *       timeline_origin      the origin, in seconds of CLOCK_MONOTONIC (Python's time.monotonic())
 *       idle_mw              power outside the segments
 *     $FAKE_NVML_DIR/clock, when present, replaces CLOCK_MONOTONIC (seconds): an injected clock.
 *
 *     MIG (R470-style ids):
 *       max_mig              nvmlDeviceGetMaxMigDeviceCount (the GPU's MIG slots); absent: NOT_SUPPORTED
 *       migM/                MIG device in slot M (0-based, M < max_mig, at most 8); absent: NOT_FOUND
 *         uuid               absent: "MIG-fa4e0000-0000-0000-0000-0000000NN0MM" (NN = N, MM = M)
 *         ci_slices          computeInstanceSliceCount of nvmlDeviceGetAttributes; absent: NOT_SUPPORTED
 *         gi, ci             nvmlDeviceGetGpuInstanceId / ComputeInstanceId; absent: M and 0
 *         pids, graphics_pids  the MIG device's process lists
 *       nvmlDeviceGetHandleByUUID finds GPUs and MIG devices; nvmlDeviceGetDeviceHandleFromMigDeviceHandle
 *       gives a MIG device's GPU. Energy and power calls on a MIG handle return NOT_SUPPORTED, as NVML does.
 *
 * Values are decimal, surrounding blanks and newlines ignored. Each GPU file is read on each call that needs
 * it. Process lists follow NVML: a buffer too small gets NVML_ERROR_INSUFFICIENT_SIZE and the needed count.
 *
 * For tests, fake_nvml_init_count() returns the number of nvmlInit calls not yet balanced by nvmlShutdown.
 *
 * Written from the NVML API reference; the numeric codes are NVML's (nvmlReturn_t).
 */

#include "fake_nvml.h"

/* ------------------------------------------------------------------ exported NVML functions */

FAKE_EXPORT int fake_nvml_init_count(void) {
    return g_init_count;
}

FAKE_EXPORT nvmlReturn_t nvmlInit_v2(void) {
    const char* dir = getenv("FAKE_NVML_DIR");
    if (dir == NULL || *dir == '\0') return ERROR_DRIVER_NOT_LOADED;
    unsigned long long code = 0;
    if (read_number(-1, "init_error", ERROR_DRIVER_NOT_LOADED, &code)) return (nvmlReturn_t)code;
    for (unsigned int i = 0; i < FAKE_MAX_GPUS; ++i) g_devices[i].index = i;
    ++g_init_count;
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlInit(void) {
    return nvmlInit_v2();
}

FAKE_EXPORT nvmlReturn_t nvmlShutdown(void) {
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    --g_init_count;
    return SUCCESS;
}

FAKE_EXPORT const char* nvmlErrorString(nvmlReturn_t result) {
    switch (result) {
        case SUCCESS:
            return "Success";
        case ERROR_UNINITIALIZED:
            return "Uninitialized";
        case ERROR_INVALID_ARGUMENT:
            return "Invalid Argument";
        case ERROR_NOT_SUPPORTED:
            return "Not Supported";
        case ERROR_NO_PERMISSION:
            return "Insufficient Permissions";
        case ERROR_INSUFFICIENT_SIZE:
            return "Insufficient Size";
        case ERROR_DRIVER_NOT_LOADED:
            return "Driver Not Loaded";
        case ERROR_GPU_IS_LOST:
            return "GPU is lost";
        default:
            return "Unknown Error";
    }
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* deviceCount) {
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (deviceCount == NULL) return ERROR_INVALID_ARGUMENT;
    *deviceCount = gpu_count();
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) {
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (device == NULL || index >= gpu_count()) return ERROR_INVALID_ARGUMENT;
    unsigned long long code = 0;
    if (read_number((int)index, "handle_error", ERROR_UNKNOWN, &code)) return (nvmlReturn_t)code;
    *device = &g_devices[index];
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    char buf[256];
    if (!read_text(i, "name", buf, sizeof buf)) snprintf(buf, sizeof buf, "Fake GPU %d", i);
    return copy_string(buf, name, length);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) {
    int i = 0, slot = 0;
    if (g_init_count > 0 && mig_of(device, &i, &slot)) {
        char buf[256];
        mig_uuid(i, slot, buf, sizeof buf);
        return copy_string(buf, uuid, length);
    }
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    char buf[256];
    if (!read_text(i, "uuid", buf, sizeof buf))
        snprintf(buf, sizeof buf, "GPU-fa4e0000-0000-0000-0000-%012d", i);
    return copy_string(buf, uuid, length);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device,
                                                             unsigned long long* energy) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    if (energy == NULL) return ERROR_INVALID_ARGUMENT;
    double drawn = 0;
    int on = 0;
    if (timeline(i, &drawn, &on)) {
        unsigned long long base = 0;
        read_number(i, "energy_mj", 0, &base);
        *energy = base + (unsigned long long)drawn;
        return SUCCESS;
    }
    return read_number(i, "energy_mj", 0, energy) ? SUCCESS : ERROR_NOT_SUPPORTED;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int* power) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    if (power == NULL) return ERROR_INVALID_ARGUMENT;
    unsigned long long mw = 0;
    if (!read_number(i, "power_mw", 0, &mw)) return ERROR_NOT_SUPPORTED;
    *power = (unsigned int)mw;
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int valuesCount,
                                                  fake_field_value* values) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    if (values == NULL || valuesCount < 0) return ERROR_INVALID_ARGUMENT;
    for (int k = 0; k < valuesCount; ++k) {
        fake_field_value* v = &values[k];
        v->timestamp = 0;
        v->latencyUsec = 0;
        unsigned long long mw = 0;
        if (v->fieldId == FIELD_POWER_INSTANT && read_number(i, "power_instant_mw", 0, &mw)) {
            v->valueType = VALUE_TYPE_UNSIGNED_INT;
            v->value.uiVal = (unsigned int)mw;
            v->nvmlReturn = SUCCESS;
        } else {
            v->nvmlReturn = ERROR_NOT_SUPPORTED;
        }
    }
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int* infoCount,
                                                                 fake_process_info_v2* infos) {
    return list_processes(device, infoCount, infos, sizeof *infos, "pids");
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses_v3(nvmlDevice_t device,
                                                                  unsigned int* infoCount,
                                                                  fake_process_info_v2* infos) {
    return list_processes(device, infoCount, infos, sizeof *infos, "graphics_pids");
}

/* The legacy unversioned lists fill the shorter v1 entries, as the real library does. */
FAKE_EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses(nvmlDevice_t device, unsigned int* infoCount,
                                                              fake_process_info_v1* infos) {
    return list_processes(device, infoCount, infos, sizeof *infos, "pids");
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetGraphicsRunningProcesses(nvmlDevice_t device, unsigned int* infoCount,
                                                               fake_process_info_v1* infos) {
    return list_processes(device, infoCount, infos, sizeof *infos, "graphics_pids");
}
