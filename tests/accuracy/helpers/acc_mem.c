/* acc_mem: a parent holding MIB MiB of anonymous memory it wrote, with READERS forked children that read every
 * page of it (shared, never copied: the DataLoader-worker / process-pool case) for the same time. Each process
 * reports its own CPU time (see report.h) when it ends.
 *
 *   acc_mem [--log FILE] [--tag TAG] --mib MIB [--readers N] [--hold SECONDS]
 * The parent writes all pages, forks the readers, sleeps --hold seconds (default 3), then waits for them. The
 * readers read one byte per page at once and again every 0.5 s until --hold has passed. */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "report.h"

static double mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int main(int argc, char** argv) {
    const char *log = NULL, *tag = "mem";
    long mib = -1, readers = 0;
    double hold = 3;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc) { fprintf(stderr, "acc_mem: %s needs a value\n", argv[i]); return 64; }
        const char* v = argv[i + 1];
        if (!strcmp(argv[i], "--log")) log = v;
        else if (!strcmp(argv[i], "--tag")) tag = v;
        else if (!strcmp(argv[i], "--mib")) mib = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--readers")) readers = strtol(v, NULL, 10);
        else if (!strcmp(argv[i], "--hold")) hold = strtod(v, NULL);
        else { fprintf(stderr, "acc_mem: unknown option %s\n", argv[i]); return 64; }
    }
    if (mib <= 0 || readers < 0 || hold < 0) {
        fprintf(stderr, "usage: acc_mem [--log FILE] [--tag TAG] --mib MIB [--readers N] [--hold SECONDS]\n");
        return 64;
    }
    const size_t size = (size_t)mib << 20;
    const long page = sysconf(_SC_PAGESIZE);
    volatile unsigned char* mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) { perror("acc_mem: mmap"); return 71; }
    for (size_t off = 0; off < size; off += (size_t)page) mem[off] = (unsigned char)(off >> 12);
    const double end = mono() + hold;
    for (long r = 0; r < readers; r++) {
        pid_t p = fork();
        if (p < 0) { perror("acc_mem: fork"); return 71; }
        if (p == 0) {
            unsigned sum = 0;
            do {
                for (size_t off = 0; off < size; off += (size_t)page) sum += mem[off];
                nap(end - mono() < 0.5 ? end - mono() : 0.5);
            } while (mono() < end);
            char t[128];
            snprintf(t, sizeof t, "%s.reader%u", tag, sum & 0u);
            munmap((void*)mem, size);  /* before the report: the unmapping's system time is the process's too */
            acc_report(log, "mem", t, 0, 1);
            _exit(0);
        }
    }
    nap(end - mono());
    while (wait(NULL) > 0 || errno == EINTR) {
    }
    munmap((void*)mem, size);
    acc_report(log, "mem", tag, 0, 1);
    return 0;
}
