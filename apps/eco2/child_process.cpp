#include "child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

namespace eco2::cli {

SignalScope::SignalScope() {
    sigemptyset(&m_handled);
    sigaddset(&m_handled, SIGCHLD);
    for (int s : FORWARDED_SIGNALS) sigaddset(&m_handled, s);
    pthread_sigmask(SIG_BLOCK, &m_handled, &m_previous);
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    ::sigaction(SIGCHLD, &dfl, nullptr);
}

SignalScope::~SignalScope() {
    ::prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

void SignalScope::restore() noexcept {
    pthread_sigmask(SIG_SETMASK, &m_previous, nullptr);
}

Spawned spawn_child(char* const* argv, char* const* envp, const sigset_t& mask, PreExec hook, const void* context) {
    Spawned s;
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) {
        s.error = errno;
        return s;
    }
    s.pid = ::fork();
    if (s.pid < 0) {
        s.error = errno;
        s.pid = 0;
        ::close(report[0]);
        ::close(report[1]);
        return s;
    }
    if (s.pid == 0) {
        // Between fork and exec only async-signal-safe calls.
        ::close(report[0]);
        if (hook != nullptr) {
            int joined[2] = {1, hook(context)};
            if (joined[1] != 0) (void)!::write(report[1], joined, sizeof joined);
        }
        struct sigaction dfl {};
        dfl.sa_handler = SIG_DFL;
        for (int sig : FORWARDED_SIGNALS) ::sigaction(sig, &dfl, nullptr);
        ::sigaction(SIGCHLD, &dfl, nullptr);
        ::sigprocmask(SIG_SETMASK, &mask, nullptr);
        ::execvpe(argv[0], argv, envp);
        int failed[2] = {2, errno};
        (void)!::write(report[1], failed, sizeof failed);
        ::_exit(127);
    }
    ::close(report[1]);
    int rec[2];
    for (;;) {
        ssize_t n = ::read(report[0], rec, sizeof rec);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof rec)) break;  // end of file: exec succeeded
        if (rec[0] == 1)
            s.join_error = rec[1];
        else
            s.error = rec[1];
    }
    ::close(report[0]);
    if (s.error != 0) {
        int status = 0;
        while (::waitpid(s.pid, &status, 0) < 0 && errno == EINTR) {
        }
        s.pid = 0;
    }
    return s;
}

Wakeup wait_signal(const sigset_t& set, std::chrono::milliseconds timeout, pid_t forward_to) {
    Wakeup w;
    siginfo_t info{};
    const auto ms = timeout.count() < 0 ? 0 : timeout.count();
    const timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000};
    if (::sigtimedwait(&set, &info, &ts) < 0) {
        w.failed = errno != EINTR && errno != EAGAIN;
        return w;
    }
    w.signal = info.si_signo;
    const bool sent_to_us_alone =
        (info.si_code == SI_USER || info.si_code == SI_QUEUE || info.si_code == SI_TKILL) && info.si_pid != forward_to;
    if (w.signal != SIGCHLD && forward_to > 0 && sent_to_us_alone) {
        ::kill(forward_to, w.signal);
        w.forwarded = true;
    }
    return w;
}

bool reap_exited(const std::function<void(pid_t, int, const rusage&)>& on_reaped) {
    for (;;) {
        siginfo_t w{};
        if (::waitid(P_ALL, 0, &w, WEXITED | WNOHANG | WNOWAIT) != 0) return false;  // ECHILD
        if (w.si_pid == 0) return true;
        int status = 0;
        rusage usage{};
        if (::wait4(w.si_pid, &status, 0, &usage) != w.si_pid) continue;
        on_reaped(w.si_pid, status, usage);
    }
}

int exit_status_of(int status) noexcept {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);  // killed or dumped by a signal
}

double cpu_seconds(const rusage& ru) noexcept {
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

}  // namespace eco2::cli
