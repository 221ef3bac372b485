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
 *
 * Values are decimal, surrounding blanks and newlines ignored. Each GPU file is read on each call that needs
 * it. Process lists follow NVML: a buffer too small gets NVML_ERROR_INSUFFICIENT_SIZE and the needed count.
 *
 * For tests, fake_nvml_init_count() returns the number of nvmlInit calls not yet balanced by nvmlShutdown.
 *
 * Written from the NVML API reference; the numeric codes are NVML's (nvmlReturn_t).
 */

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FAKE_EXPORT __attribute__((visibility("default")))
#define FAKE_MAX_GPUS 64
#define FAKE_MAX_PIDS 1024

/* nvmlReturn_t codes used here. */
enum {
    SUCCESS = 0,
    ERROR_UNINITIALIZED = 1,
    ERROR_INVALID_ARGUMENT = 2,
    ERROR_NOT_SUPPORTED = 3,
    ERROR_NO_PERMISSION = 4,
    ERROR_INSUFFICIENT_SIZE = 7,
    ERROR_DRIVER_NOT_LOADED = 9,
    ERROR_GPU_IS_LOST = 15,
    ERROR_UNKNOWN = 999
};

typedef int nvmlReturn_t;

struct nvmlDevice_st {
    unsigned int index;
};
typedef struct nvmlDevice_st* nvmlDevice_t;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
    unsigned int gpuInstanceId;
    unsigned int computeInstanceId;
} fake_process_info_v2;

typedef struct {
    unsigned int pid;
    unsigned long long usedGpuMemory;
} fake_process_info_v1;

typedef union {
    double dVal;
    int siVal;
    unsigned int uiVal;
    unsigned long ulVal;
    unsigned long long ullVal;
    long long sllVal;
    unsigned short usVal;
} fake_value;

typedef struct {
    unsigned int fieldId;
    unsigned int scopeId;
    long long timestamp;
    long long latencyUsec;
    int valueType;
    nvmlReturn_t nvmlReturn;
    fake_value value;
} fake_field_value;

#define FIELD_POWER_INSTANT 186u
#define VALUE_TYPE_UNSIGNED_INT 1

static struct nvmlDevice_st g_devices[FAKE_MAX_GPUS];
static int g_init_count;

/* ------------------------------------------------------------------ scenario files */

static int scenario_path(char* out, size_t size, int gpu, const char* file) {
    const char* dir = getenv("FAKE_NVML_DIR");
    if (dir == NULL || *dir == '\0') return 0;
    int n = gpu < 0 ? snprintf(out, size, "%s/%s", dir, file)
                    : snprintf(out, size, "%s/gpu%d/%s", dir, gpu, file);
    return n > 0 && (size_t)n < size;
}

static int file_exists(int gpu, const char* file) {
    char path[4096];
    struct stat st;
    return scenario_path(path, sizeof path, gpu, file) && stat(path, &st) == 0;
}

/* Reads a small file into buf (NUL-terminated, trimmed). Returns 1 when the file exists. */
static int read_text(int gpu, const char* file, char* buf, size_t size) {
    char path[4096];
    if (!scenario_path(path, sizeof path, gpu, file)) return 0;
    FILE* f = fopen(path, "r");
    if (f == NULL) return 0;
    size_t n = fread(buf, 1, size - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        buf[--n] = '\0';
    size_t skip = strspn(buf, " \t\r\n");
    if (skip > 0) memmove(buf, buf + skip, n - skip + 1);
    return 1;
}

/* Reads a decimal number; returns 1 when the file exists (value `fallback` when it is empty or not a number).
 */
static int read_number(int gpu, const char* file, unsigned long long fallback, unsigned long long* value) {
    char buf[64];
    if (!read_text(gpu, file, buf, sizeof buf)) return 0;
    char* end = NULL;
    unsigned long long v = strtoull(buf, &end, 10);
    *value = (end == buf) ? fallback : v;
    return 1;
}

static unsigned int gpu_count(void) {
    unsigned long long n = 0;
    if (!read_number(-1, "count", 0, &n)) return 0;
    return n > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : (unsigned int)n;
}

/* Common checks for a call on a device: NVML initialised, a valid handle, no injected error. */
static nvmlReturn_t device_check(nvmlDevice_t device, int* index) {
    if (g_init_count <= 0) return ERROR_UNINITIALIZED;
    if (device < &g_devices[0] || device >= &g_devices[FAKE_MAX_GPUS]) return ERROR_INVALID_ARGUMENT;
    int i = (int)(device - &g_devices[0]);
    if ((unsigned int)i >= gpu_count()) return ERROR_INVALID_ARGUMENT;
    unsigned long long code = 0;
    if (read_number(i, "error", ERROR_UNKNOWN, &code)) return (nvmlReturn_t)code;
    *index = i;
    return SUCCESS;
}

static nvmlReturn_t copy_string(const char* text, char* out, unsigned int length) {
    if (out == NULL) return ERROR_INVALID_ARGUMENT;
    size_t n = strlen(text);
    if (n + 1 > length) return ERROR_INSUFFICIENT_SIZE;
    memcpy(out, text, n + 1);
    return SUCCESS;
}

/* Reads gpuN/<file> as a pid list into pids[]; returns the number of pids. */
static unsigned int read_pids(int gpu, const char* file, unsigned int* pids) {
    char buf[16384];
    unsigned int n = 0;
    if (!read_text(gpu, file, buf, sizeof buf)) return 0;
    char* p = buf;
    while (*p != '\0' && n < FAKE_MAX_PIDS) {
        char* end = NULL;
        unsigned long v = strtoul(p, &end, 10);
        if (end == p) {
            ++p;
            continue;
        }
        pids[n++] = (unsigned int)v;
        p = end;
    }
    return n;
}

/* Process lists for both struct layouts: `stride` is the size of one entry. */
static nvmlReturn_t list_processes(nvmlDevice_t device, unsigned int* infoCount, void* infos, size_t stride,
                                   const char* file) {
    int i = 0;
    nvmlReturn_t rc = device_check(device, &i);
    if (rc != SUCCESS) return rc;
    if (infoCount == NULL) return ERROR_INVALID_ARGUMENT;
    if (file_exists(i, "pids_unsupported")) return ERROR_NOT_SUPPORTED;
    unsigned int pids[FAKE_MAX_PIDS];
    unsigned int n = read_pids(i, file, pids);
    if (*infoCount < n || (n > 0 && infos == NULL)) {
        *infoCount = n;
        return ERROR_INSUFFICIENT_SIZE;
    }
    for (unsigned int k = 0; k < n; ++k) {
        unsigned char* entry = (unsigned char*)infos + k * stride;
        memset(entry, 0, stride);
        if (stride == sizeof(fake_process_info_v2)) {
            fake_process_info_v2* e = (fake_process_info_v2*)entry;
            e->pid = pids[k];
            e->usedGpuMemory = 1ull << 30;
            e->gpuInstanceId = 0xFFFFFFFFu;
            e->computeInstanceId = 0xFFFFFFFFu;
        } else {
            fake_process_info_v1* e = (fake_process_info_v1*)entry;
            e->pid = pids[k];
            e->usedGpuMemory = 1ull << 30;
        }
    }
    *infoCount = n;
    return SUCCESS;
}

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
    int i = 0;
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
