/* The fake libnvidia-ml: MIG devices and the device-order queries (see the format in fake_nvml.c). */

#include "fake_nvml.h"

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t device, unsigned int* count) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    if (count == NULL) return ERROR_INVALID_ARGUMENT;
    unsigned long long n = 0;
    if (!read_number(i, "max_mig", 0, &n)) return ERROR_NOT_SUPPORTED;
    *count = (unsigned int)(n > FAKE_MAX_MIG ? FAKE_MAX_MIG : n);
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t device, unsigned int index,
                                                             nvmlDevice_t* migDevice) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    unsigned long long slots = 0;
    if (migDevice == NULL || !read_number(i, "max_mig", 0, &slots) || index >= slots || index >= FAKE_MAX_MIG)
        return ERROR_INVALID_ARGUMENT;
    char rel[32];
    snprintf(rel, sizeof rel, "mig%u", index);
    if (!file_exists(i, rel)) return 6; /* NVML_ERROR_NOT_FOUND: an empty slot */
    *migDevice = &g_mig[i * FAKE_MAX_MIG + (int)index];
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t migDevice,
                                                                      nvmlDevice_t* device) {
    int i = 0, slot = 0;
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (device == NULL || !mig_of(migDevice, &i, &slot)) return ERROR_INVALID_ARGUMENT;
    *device = &g_devices[i];
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char* uuid, nvmlDevice_t* device) {
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (uuid == NULL || device == NULL) return ERROR_INVALID_ARGUMENT;
    char buf[256];
    for (unsigned int i = 0; i < gpu_count(); ++i) {
        if (!read_text((int)i, "uuid", buf, sizeof buf))
            snprintf(buf, sizeof buf, "GPU-fa4e0000-0000-0000-0000-%012d", (int)i);
        if (strcmp(buf, uuid) == 0) {
            *device = &g_devices[i];
            return SUCCESS;
        }
        for (int m = 0; m < FAKE_MAX_MIG; ++m) {
            nvmlDevice_t h = &g_mig[i * FAKE_MAX_MIG + m];
            int gi = 0, slot = 0;
            if (!mig_of(h, &gi, &slot)) continue;
            mig_uuid((int)i, m, buf, sizeof buf);
            if (strcmp(buf, uuid) == 0) {
                *device = h;
                return SUCCESS;
            }
        }
    }
    return 6; /* NVML_ERROR_NOT_FOUND */
}

static nvmlReturn_t mig_number(nvmlDevice_t device, const char* file, unsigned long long fallback,
                               unsigned int* out, int required) {
    int i = 0, slot = 0;
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (out == NULL || !mig_of(device, &i, &slot)) return ERROR_INVALID_ARGUMENT;
    char path[4096];
    struct stat st;
    unsigned long long v = fallback == (unsigned long long)-1 ? (unsigned long long)slot : fallback;
    if (scenario_path_mig(path, sizeof path, i, slot, file) && stat(path, &st) == 0) {
        char buf[64];
        read_text_mig(i, slot, file, buf, sizeof buf);
        v = strtoull(buf, NULL, 10);
    } else if (required) {
        return ERROR_NOT_SUPPORTED;
    }
    *out = (unsigned int)v;
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t device, unsigned int* id) {
    return mig_number(device, "gi", (unsigned long long)-1, id, 0);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t device, unsigned int* id) {
    return mig_number(device, "ci", 0, id, 0);
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetAttributes_v2(nvmlDevice_t device, fake_attributes* attributes) {
    if (attributes == NULL) return ERROR_INVALID_ARGUMENT;
    unsigned int slices = 0;
    nvmlReturn_t rc = mig_number(device, "ci_slices", 0, &slices, 1);
    if (rc != SUCCESS) return rc;
    memset(attributes, 0, sizeof *attributes);
    attributes->computeInstanceSliceCount = slices;
    attributes->gpuInstanceSliceCount = slices;
    attributes->multiprocessorCount = 14 * slices;
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetNumGpuCores(nvmlDevice_t device, unsigned int* cores) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    unsigned long long n = 0;
    if (cores == NULL) return ERROR_INVALID_ARGUMENT;
    if (!read_number(i, "cores", 0, &n)) return ERROR_NOT_SUPPORTED;
    *cores = (unsigned int)n;
    return SUCCESS;
}

FAKE_EXPORT nvmlReturn_t nvmlDeviceGetMaxClockInfo(nvmlDevice_t device, int type, unsigned int* clock) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    unsigned long long mhz = 0;
    if (clock == NULL) return ERROR_INVALID_ARGUMENT;
    if (type != 1 || !read_number(i, "max_sm_clock_mhz", 0, &mhz)) return ERROR_NOT_SUPPORTED; /* 1: SM */
    *clock = (unsigned int)mhz;
    return SUCCESS;
}
