/* Shared by the files of the fake libnvidia-ml (fake_nvml.c: the exported device functions and the scenario
 * format; fake_nvml_scenario.c: reading the scenario directory; fake_nvml_mig.c: MIG and device order).
 * Everything here has hidden visibility (the library is built with -fvisibility=hidden): only FAKE_EXPORT
 * functions are the library's symbols. */
#ifndef ECO2_FAKE_NVML_H
#define ECO2_FAKE_NVML_H

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

/* Defined in fake_nvml_scenario.c. */
extern struct nvmlDevice_st g_devices[FAKE_MAX_GPUS];
extern struct nvmlDevice_st g_mig[FAKE_MAX_GPUS * FAKE_MAX_MIG];
extern int g_init_count;

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

/* gpu >= 0: gpuN/; gpu < 0: the scenario root. mig >= 0 (with gpu >= 0): gpuN/migM/. */
int scenario_path_mig(char* out, size_t size, int gpu, int mig, const char* file);

int scenario_path(char* out, size_t size, int gpu, const char* file);

int file_exists(int gpu, const char* file);

/* Reads a small file into buf (NUL-terminated, trimmed). Returns 1 when the file exists. */
int read_text_mig(int gpu, int mig, const char* file, char* buf, size_t size);

int read_text(int gpu, const char* file, char* buf, size_t size);

int read_double(int gpu, const char* file, double* value);

/* Seconds: $FAKE_NVML_DIR/clock when present (an injected clock), else CLOCK_MONOTONIC. */
double now_s(void);

/* The GPU over time (see the header). Returns 1 when gpuN has a timeline and an origin; then *energy_mj is
 * the energy drawn since the origin and *on whether an "on" segment runs now. */
int timeline(int gpu, double* energy_mj, int* on);

/* Reads a decimal number; returns 1 when the file exists (value `fallback` when it is empty or not a number).
 */
int read_number(int gpu, const char* file, unsigned long long fallback, unsigned long long* value);

unsigned int gpu_count(void);

/* Common checks for a call on a device: NVML initialised, a valid handle, no injected error. */
nvmlReturn_t device_check(nvmlDevice_t device, int* index);

/* A MIG handle: its GPU and slot. Returns 0 when `device` is no MIG handle of an existing MIG device. */
int mig_of(nvmlDevice_t device, int* gpu, int* slot);

nvmlReturn_t copy_string(const char* text, char* out, unsigned int length);

/* Reads gpuN/<file> (gpuN/migM/<file> when mig >= 0) as a pid list into pids[]; returns the number of pids.
 */
unsigned int read_pids(int gpu, int mig, const char* file, unsigned int* pids);

/* Process lists for both struct layouts: `stride` is the size of one entry. */
nvmlReturn_t list_processes(nvmlDevice_t device, unsigned int* infoCount, void* infos, size_t stride,
                            const char* file);

void mig_uuid(int gpu, int slot, char* buf, size_t size);

#endif
