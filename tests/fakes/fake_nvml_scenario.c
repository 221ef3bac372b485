/* The fake libnvidia-ml's scenario directory ($FAKE_NVML_DIR): see the format in fake_nvml.c. */

#include "fake_nvml.h"

struct nvmlDevice_st g_devices[FAKE_MAX_GPUS];
struct nvmlDevice_st g_mig[FAKE_MAX_GPUS * FAKE_MAX_MIG];
int g_init_count;

/* ------------------------------------------------------------------ scenario files */

/* gpu >= 0: gpuN/; gpu < 0: the scenario root. mig >= 0 (with gpu >= 0): gpuN/migM/. */
int scenario_path_mig(char* out, size_t size, int gpu, int mig, const char* file) {
    const char* dir = getenv("FAKE_NVML_DIR");
    if (dir == NULL || *dir == '\0') return 0;
    int n = gpu < 0   ? snprintf(out, size, "%s/%s", dir, file)
            : mig < 0 ? snprintf(out, size, "%s/gpu%d/%s", dir, gpu, file)
                      : snprintf(out, size, "%s/gpu%d/mig%d/%s", dir, gpu, mig, file);
    return n > 0 && (size_t)n < size;
}

int scenario_path(char* out, size_t size, int gpu, const char* file) {
    return scenario_path_mig(out, size, gpu, -1, file);
}

int file_exists(int gpu, const char* file) {
    char path[4096];
    struct stat st;
    return scenario_path(path, sizeof path, gpu, file) && stat(path, &st) == 0;
}

/* Reads a small file into buf (NUL-terminated, trimmed). Returns 1 when the file exists. */
int read_text_mig(int gpu, int mig, const char* file, char* buf, size_t size) {
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

int read_text(int gpu, const char* file, char* buf, size_t size) {
    return read_text_mig(gpu, -1, file, buf, size);
}

int read_double(int gpu, const char* file, double* value) {
    char buf[64];
    if (!read_text(gpu, file, buf, sizeof buf)) return 0;
    char* end = NULL;
    double v = strtod(buf, &end);
    if (end == buf) return 0;
    *value = v;
    return 1;
}

/* Seconds: $FAKE_NVML_DIR/clock when present (an injected clock), else CLOCK_MONOTONIC. */
double now_s(void) {
    double t = 0;
    if (read_double(-1, "clock", &t)) return t;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The GPU over time (see the header). Returns 1 when gpuN has a timeline and an origin; then *energy_mj is
 * the energy drawn since the origin and *on whether an "on" segment runs now. */
int timeline(int gpu, double* energy_mj, int* on) {
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
int read_number(int gpu, const char* file, unsigned long long fallback, unsigned long long* value) {
    char buf[64];
    if (!read_text(gpu, file, buf, sizeof buf)) return 0;
    char* end = NULL;
    unsigned long long v = strtoull(buf, &end, 10);
    *value = (end == buf) ? fallback : v;
    return 1;
}

unsigned int gpu_count(void) {
    unsigned long long n = 0;
    if (!read_number(-1, "count", 0, &n)) return 0;
    return n > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : (unsigned int)n;
}

/* Common checks for a call on a device: NVML initialised, a valid handle, no injected error. */
nvmlReturn_t device_check(nvmlDevice_t device, int* index) {
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
int mig_of(nvmlDevice_t device, int* gpu, int* slot) {
    if (device < &g_mig[0] || device >= &g_mig[FAKE_MAX_GPUS * FAKE_MAX_MIG]) return 0;
    int k = (int)(device - &g_mig[0]);
    *gpu = k / FAKE_MAX_MIG;
    *slot = k % FAKE_MAX_MIG;
    if ((unsigned int)*gpu >= gpu_count()) return 0;
    char rel[32];
    snprintf(rel, sizeof rel, "mig%d", *slot);
    return file_exists(*gpu, rel);
}

nvmlReturn_t copy_string(const char* text, char* out, unsigned int length) {
    if (out == NULL) return ERROR_INVALID_ARGUMENT;
    size_t n = strlen(text);
    if (n + 1 > length) return ERROR_INSUFFICIENT_SIZE;
    memcpy(out, text, n + 1);
    return SUCCESS;
}

/* Reads gpuN/<file> (gpuN/migM/<file> when mig >= 0) as a pid list into pids[]; returns the number of pids.
 */
unsigned int read_pids(int gpu, int mig, const char* file, unsigned int* pids) {
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
nvmlReturn_t list_processes(nvmlDevice_t device, unsigned int* infoCount, void* infos, size_t stride,
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

void mig_uuid(int gpu, int slot, char* buf, size_t size) {
    if (!read_text_mig(gpu, slot, "uuid", buf, size))
        snprintf(buf, size, "MIG-fa4e0000-0000-0000-0000-0000000%02d0%02d", gpu, slot);
}
