/* acc_burn: burns a given amount of CPU time and reports its own (getrusage, see report.h) when it ends.
 *
 *   acc_burn [options] SECONDS [-- PROG ARGS...]
 *     SECONDS            CPU seconds to burn (this process; split over --threads)
 *     -- PROG ARGS...    after burning, exec PROG (no report from this image: the rusage goes on across exec,
 *                        so PROG's own report covers both)
 *     --threads N        burn in N threads, SECONDS/N each (default 1)
 *     --over WALL        spread the burning over WALL seconds of wall time (10 ms slices, sleeping between)
 *     --sleep S          sleep S seconds after burning, before reporting and exiting
 *     --children N       fork N children first, each burning --child-seconds (default SECONDS) and reporting
 *     --child-seconds C
 *     --ignore-sigchld   SIGCHLD ignored before the fork: the children are auto-reaped, their rusage reaches
 *                        nobody's RUSAGE_CHILDREN (they report counted_by_parent=0)
 *     --daemon           double fork: the grandchild (new session, stdio on /dev/null) burns SECONDS and
 *                        reports; this process and the intermediate one exit at once
 *     --orphan           this process will outlive its parent (`(acc_burn 1 &)`, `sh -c 'acc_burn 1 &'`): its
 *                        rusage reaches a subreaper or init, not the tree's RUSAGE_CHILDREN, so it reports
 *                        counted_by_parent=0 (a change of parent seen at exit says the same, but the parent
 *                        may be gone before this process even starts)
 *     --log FILE         where to append the report (default $ECO2_ACC_LOG)
 *     --tag TAG          a name for the report line
 * Exit status 0; 64 on bad usage. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "report.h"

static double now_s(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static volatile unsigned long long g_sink;

/* Burns until this thread has used `seconds` more CPU time; with over > 0, keeps to a schedule of
 * seconds/over CPU per wall second. */
static void burn(double seconds, double over) {
    const double cpu0 = now_s(CLOCK_THREAD_CPUTIME_ID), wall0 = now_s(CLOCK_MONOTONIC);
    unsigned long long x = g_sink;
    for (;;) {
        double used = now_s(CLOCK_THREAD_CPUTIME_ID) - cpu0;
        if (used >= seconds) break;
        if (over > 0) {
            double due = seconds * (now_s(CLOCK_MONOTONIC) - wall0) / over;
            if (used >= due) {
                struct timespec slice = {0, 10 * 1000 * 1000};
                nanosleep(&slice, NULL);
                continue;
            }
        }
        for (int i = 0; i < 2000; i++) x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    g_sink = x;
}

struct job {
    double seconds, over;
};

static void* burn_thread(void* arg) {
    struct job* j = arg;
    burn(j->seconds, j->over);
    return NULL;
}

static void sleep_s(double s) {
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static double number(const char* what, const char* text) {
    char* end;
    double v = strtod(text, &end);
    if (!*text || *end || v < 0) {
        fprintf(stderr, "acc_burn: %s must be a number >= 0, got '%s'\n", what, text);
        exit(64);
    }
    return v;
}

static void burn_all(double seconds, int threads, double over) {
    if (threads <= 1) {
        burn(seconds, over);
        return;
    }
    pthread_t* t = calloc((size_t)threads, sizeof *t);
    struct job j = {seconds / threads, over};
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&t[i], NULL, burn_thread, &j) != 0) {
            fprintf(stderr, "acc_burn: pthread_create failed\n");
            exit(71);
        }
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    free(t);
}

int main(int argc, char** argv) {
    const char *log = NULL, *tag = "burn";
    int threads = 1, children = 0, ignore_sigchld = 0, daemonize = 0, orphan = 0;
    double over = 0, sleep_after = 0, child_seconds = -1;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
        const char* o = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--ignore-sigchld")) { ignore_sigchld = 1; continue; }
        if (!strcmp(o, "--daemon")) { daemonize = 1; continue; }
        if (!strcmp(o, "--orphan")) { orphan = 1; continue; }
        if (!v) { fprintf(stderr, "acc_burn: %s needs a value\n", o); return 64; }
        i++;
        if (!strcmp(o, "--log")) log = v;
        else if (!strcmp(o, "--tag")) tag = v;
        else if (!strcmp(o, "--threads")) threads = (int)number(o, v);
        else if (!strcmp(o, "--over")) over = number(o, v);
        else if (!strcmp(o, "--sleep")) sleep_after = number(o, v);
        else if (!strcmp(o, "--children")) children = (int)number(o, v);
        else if (!strcmp(o, "--child-seconds")) child_seconds = number(o, v);
        else { fprintf(stderr, "acc_burn: unknown option %s (see the comment at the top of acc_burn.c)\n", o); return 64; }
    }
    if (i >= argc) {
        fprintf(stderr, "usage: acc_burn [options] SECONDS [-- PROG ARGS...]\n");
        return 64;
    }
    const double seconds = number("SECONDS", argv[i++]);
    char** exec_argv = NULL;
    if (i < argc) {
        if (strcmp(argv[i], "--") != 0 || i + 1 >= argc) {
            fprintf(stderr, "acc_burn: after SECONDS only '-- PROG ARGS...' may follow\n");
            return 64;
        }
        exec_argv = argv + i + 1;
    }
    const pid_t start_ppid = getppid();
    int counted_by_parent;

    if (daemonize) {
        pid_t p = fork();
        if (p < 0) { perror("fork"); return 71; }
        if (p > 0) {
            waitpid(p, NULL, 0);  /* the intermediate process exits at once */
            acc_report(log, "burn", tag, 0, getppid() == start_ppid);
            return 0;
        }
        setsid();
        pid_t q = fork();
        if (q < 0) _exit(71);
        if (q > 0) _exit(0);
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0), dup2(null, 1), dup2(null, 2);
            if (null > 2) close(null);
        }
        burn_all(seconds, threads, over);
        sleep_s(sleep_after);
        acc_report(log, "burn", tag, 0, 0);  /* the daemon: reaped by whoever adopted it */
        return 0;
    }

    if (children > 0) {
        if (ignore_sigchld) signal(SIGCHLD, SIG_IGN);
        for (int c = 0; c < children; c++) {
            pid_t p = fork();
            if (p < 0) { perror("fork"); return 71; }
            if (p == 0) {
                const pid_t parent = getppid();
                burn(child_seconds >= 0 ? child_seconds : seconds, over);
                char child_tag[128];
                snprintf(child_tag, sizeof child_tag, "%s.child", tag);
                acc_report(log, "burn", child_tag, 0, !ignore_sigchld && getppid() == parent);
                _exit(0);
            }
        }
    }
    burn_all(seconds, threads, over);
    if (children > 0) {
        /* With SIGCHLD ignored, wait() blocks until every child has ended and then fails with ECHILD. */
        while (wait(NULL) > 0 || errno == EINTR) {
        }
    }
    sleep_s(sleep_after);
    if (exec_argv) {
        execvp(exec_argv[0], exec_argv);
        fprintf(stderr, "acc_burn: cannot exec %s: %s\n", exec_argv[0], strerror(errno));
        return 127;
    }
    counted_by_parent = !orphan && getppid() == start_ppid;
    acc_report(log, "burn", tag, 0, counted_by_parent);
    return 0;
}
