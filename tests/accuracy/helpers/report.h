/* What every accuracy helper writes when it ends: its own CPU time from the kernel, appended as one line to the
 * file named by --log FILE or $ECO2_ACC_LOG (one write(2) with O_APPEND, so concurrent helpers never interleave).
 *
 *   kind=<burn|wrap|mem> tag=<tag> pid=<pid> user_us=<n> sys_us=<n> counted_by_parent=<0|1>
 *
 * counted_by_parent=1 when this process's rusage will reach its parent's RUSAGE_CHILDREN (the parent is still
 * the one that forked it and reaps it); 0 for a process that knows it will not: the grandchild of a double
 * fork, a child of a parent ignoring SIGCHLD (auto-reaped), any process whose parent changed since it started
 * (orphaned: reaped by a subreaper or init). tests/accuracy/patterns.py turns these lines into the truth. */
#ifndef ECO2_ACC_REPORT_H
#define ECO2_ACC_REPORT_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

static long long acc_us(struct timeval tv) { return (long long)tv.tv_sec * 1000000LL + (long long)tv.tv_usec; }

static const char* acc_log_path(const char* from_option) {
    if (from_option && *from_option) return from_option;
    const char* env = getenv("ECO2_ACC_LOG");
    return env && *env ? env : NULL;
}

/* who: RUSAGE_SELF, or RUSAGE_SELF + RUSAGE_CHILDREN when children is non-zero (a wrapper's whole tree). */
static void acc_report(const char* log, const char* kind, const char* tag, int children, int counted_by_parent) {
    struct rusage self, kids;
    if (getrusage(RUSAGE_SELF, &self) != 0) {
        perror("getrusage");
        exit(70);
    }
    long long user = acc_us(self.ru_utime), sys = acc_us(self.ru_stime);
    if (children) {
        if (getrusage(RUSAGE_CHILDREN, &kids) != 0) {
            perror("getrusage");
            exit(70);
        }
        user += acc_us(kids.ru_utime);
        sys += acc_us(kids.ru_stime);
    }
    const char* path = acc_log_path(log);
    if (!path) {
        fprintf(stderr, "%s: no log file: pass --log FILE or set ECO2_ACC_LOG\n", kind);
        exit(64);
    }
    char line[256];
    int n = snprintf(line, sizeof line, "kind=%s tag=%s pid=%ld user_us=%lld sys_us=%lld counted_by_parent=%d\n",
                     kind, tag ? tag : "-", (long)getpid(), user, sys, counted_by_parent);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) {
        fprintf(stderr, "%s: cannot append to %s: %s\n", kind, path, strerror(errno));
        exit(74);
    }
    close(fd);
}

#endif
