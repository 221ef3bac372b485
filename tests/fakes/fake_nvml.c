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

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FAKE_EXPORT __attribute__((visibility("default")))
#define FAKE_MAX_GPUS 64
#define FAKE_MAX_PIDS 1024
#define FAKE_MAX_MIG 8

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
static struct nvmlDevice_st g_mig[FAKE_MAX_GPUS * FAKE_MAX_MIG];
static int g_init_count;

typedef struct {
    unsigned int multiprocessorCount;
    unsigned int sharedCopyEngineCount;
    unsigned int sharedDecoderCount;
    unsigned int sharedEncoderCount;
    unsigned int sharedJpegCount;
    unsigned int sharedOfaCount;
    unsigned int gpuInstanceSliceCount;
    unsigned int computeInstanceSliceCount;
    unsigned long long memorySizeMB;
} fake_attributes;

/* ------------------------------------------------------------------ scenario files */

/* gpu >= 0: gpuN/; gpu < 0: the scenario root. mig >= 0 (with gpu >= 0): gpuN/migM/. */
static int scenario_path_mig(char* out, size_t size, int gpu, int mig, const char* file) {
    const char* dir = getenv("FAKE_NVML_DIR");
    if (dir == NULL || *dir == '\0') return 0;
    int n = gpu < 0   ? snprintf(out, size, "%s/%s", dir, file)
            : mig < 0 ? snprintf(out, size, "%s/gpu%d/%s", dir, gpu, file)
                      : snprintf(out, size, "%s/gpu%d/mig%d/%s", dir, gpu, mig, file);
    return n > 0 && (size_t)n < size;
}

static int scenario_path(char* out, size_t size, int gpu, const char* file) {
    return scenario_path_mig(out, size, gpu, -1, file);
}

static int file_exists(int gpu, const char* file) {
    char path[4096];
    struct stat st;
    return scenario_path(path, sizeof path, gpu, file) && stat(path, &st) == 0;
}

/* Reads a small file into buf (NUL-terminated, trimmed). Returns 1 when the file exists. */
static int read_text_mig(int gpu, int mig, const char* file, char* buf, size_t size) {
    char path[4096];
    if (!scenario_path_mig(path, sizeof path, gpu, mig, file)) return 0;
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

static int read_text(int gpu, const char* file, char* buf, size_t size) {
    return read_text_mig(gpu, -1, file, buf, size);
}

static int read_double(int gpu, const char* file, double* value) {
    char buf[64];
    if (!read_text(gpu, file, buf, sizeof buf)) return 0;
    char* end = NULL;
    double v = strtod(buf, &end);
    if (end == buf) return 0;
    *value = v;
    return 1;
}

/* Seconds: $FAKE_NVML_DIR/clock when present (an injected clock), else CLOCK_MONOTONIC. */
static double now_s(void) {
    double t = 0;
    if (read_double(-1, "clock", &t)) return t;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The GPU over time (see the header). Returns 1 when gpuN has a timeline and an origin; then *energy_mj is
 * the energy drawn since the origin and *on whether an "on" segment runs now. */
static int timeline(int gpu, double* energy_mj, int* on) {
    double origin = 0, idle = 0;
    char buf[16384];
    if (!read_double(gpu, "timeline_origin", &origin) || !read_text(gpu, "timeline", buf, sizeof buf))
        return 0;
    read_double(gpu, "idle_mw", &idle);
    double elapsed = now_s() - origin;
    if (elapsed < 0) elapsed = 0;
    double mj = idle * elapsed;
    *on = 0;
    char* line = buf;
    while (line != NULL && *line != '\0') {
        char* next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        double from = 0, to = 0, mw = 0;
        int seg_on = 0;
        if (sscanf(line, "%lf %lf %lf %d", &from, &to, &mw, &seg_on) == 4 && to > from) {
            double a = from < 0 ? 0 : from, b = to < elapsed ? to : elapsed;
            if (b > a) mj += (mw - idle) * (b - a);
            if (seg_on && elapsed >= from && elapsed < to) *on = 1;
        }
        line = next;
    }
    *energy_mj = mj;
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

/* A MIG handle: its GPU and slot. Returns 0 when `device` is no MIG handle of an existing MIG device. */
static int mig_of(nvmlDevice_t device, int* gpu, int* slot) {
    if (device < &g_mig[0] || device >= &g_mig[FAKE_MAX_GPUS * FAKE_MAX_MIG]) return 0;
    int k = (int)(device - &g_mig[0]);
    *gpu = k / FAKE_MAX_MIG;
    *slot = k % FAKE_MAX_MIG;
    if ((unsigned int)*gpu >= gpu_count()) return 0;
    char rel[32];
    snprintf(rel, sizeof rel, "mig%d", *slot);
    return file_exists(*gpu, rel);
}

static nvmlReturn_t copy_string(const char* text, char* out, unsigned int length) {
    if (out == NULL) return ERROR_INVALID_ARGUMENT;
    size_t n = strlen(text);
    if (n + 1 > length) return ERROR_INSUFFICIENT_SIZE;
    memcpy(out, text, n + 1);
    return SUCCESS;
}

/* Reads gpuN/<file> (gpuN/migM/<file> when mig >= 0) as a pid list into pids[]; returns the number of pids.
 */
static unsigned int read_pids(int gpu, int mig, const char* file, unsigned int* pids) {
    char buf[16384];
    unsigned int n = 0;
    if (!read_text_mig(gpu, mig, file, buf, sizeof buf)) return 0;
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
    int i = 0, mig = -1;
    if (g_init_count > 0 && mig_of(device, &i, &mig)) {
        if (file_exists(i, "pids_unsupported")) return ERROR_NOT_SUPPORTED;
    } else {
        nvmlReturn_t rc = device_check(device, &i);
        if (rc != SUCCESS) return rc;
        mig = -1;
    }
    if (infoCount == NULL) return ERROR_INVALID_ARGUMENT;
    if (mig < 0 && file_exists(i, "pids_unsupported")) return ERROR_NOT_SUPPORTED;
    unsigned int pids[FAKE_MAX_PIDS];
    double energy = 0;
    int on = 1;
    unsigned int n = read_pids(i, mig, file, pids);
    if (mig < 0 && timeline(i, &energy, &on) && !on) n = 0; /* between the timeline's "on" segments */
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

static void mig_uuid(int gpu, int slot, char* buf, size_t size) {
    if (!read_text_mig(gpu, slot, "uuid", buf, size))
        snprintf(buf, size, "MIG-fa4e0000-0000-0000-0000-0000000%02d0%02d", gpu, slot);
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

/* ------------------------------------------------------------------ MIG and device order */

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
