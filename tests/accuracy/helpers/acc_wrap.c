/* acc_wrap: runs a command, waits for it and reports the CPU time of the whole tree that the command reaped:
 * its own getrusage(RUSAGE_SELF) + RUSAGE_CHILDREN (see report.h). That covers every process of the tree that
 * was waited for by its parent; processes that left the tree (orphans reaped by a subreaper, children
 * auto-reaped because their parent ignores SIGCHLD) are not in it: they report themselves
 * (acc_burn, counted_by_parent=0).
 *
 *   acc_wrap [--log FILE] [--tag TAG] [--orphan 1] -- PROG ARGS...
 * --orphan 1: this wrapper will outlive its parent (`(acc_wrap -- x &)`): it reports counted_by_parent=0, its
 * figure then covering an orphan and what it reaped.
 * Exits with the command's status (128 + signal when killed). */
#include <sys/wait.h>

#include "report.h"

int main(int argc, char** argv) {
    const char *log = NULL, *tag = "wrap";
    int orphan = 0;
    int i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i += 2) {
        if (i + 1 >= argc) { fprintf(stderr, "acc_wrap: %s needs a value\n", argv[i]); return 64; }
        if (!strcmp(argv[i], "--log")) log = argv[i + 1];
        else if (!strcmp(argv[i], "--tag")) tag = argv[i + 1];
        else if (!strcmp(argv[i], "--orphan")) orphan = !strcmp(argv[i + 1], "1");
        else { fprintf(stderr, "acc_wrap: unknown option %s\n", argv[i]); return 64; }
    }
    if (i + 1 >= argc) {
        fprintf(stderr, "usage: acc_wrap [--log FILE] [--tag TAG] -- PROG ARGS...\n");
        return 64;
    }
    const pid_t start_ppid = getppid();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 71; }
    if (pid == 0) {
        execvp(argv[i + 1], argv + i + 1);
        fprintf(stderr, "acc_wrap: cannot exec %s: %s\n", argv[i + 1], strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) { perror("waitpid"); return 71; }
    }
    acc_report(log, "wrap", tag, 1, !orphan && getppid() == start_ppid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
