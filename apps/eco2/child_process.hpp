#pragma once
// The command of `eco2 run` as a child process: the signal set-up of the parent (blocked, waited for with
// sigtimedwait, forwarded), fork + exec with a hook between the two (joining the run's cgroups), and reaping
// with wait4 so that each exited process's exact rusage is known.

#include <signal.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <chrono>
#include <functional>

namespace eco2::cli {

/// The signals eco2 forwards to the command when they were sent to eco2 alone.
inline constexpr int FORWARDED_SIGNALS[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/// While it lives, the calling thread blocks SIGCHLD and the forwarded signals (make it before any thread,
/// so that all inherit the mask), the process is a child subreaper (orphaned grandchildren come back to it,
/// to be reaped and counted) and SIGCHLD has its default action (an inherited SIG_IGN would have the kernel
/// reap the children, their rusage lost). The destructor clears the subreaper flag but leaves the mask: eco2
/// returns the command's status, a late Ctrl-C pending then must not kill it first; restore() when needed.
class SignalScope {
public:
    SignalScope();
    ~SignalScope();
    SignalScope(const SignalScope&) = delete;
    SignalScope& operator=(const SignalScope&) = delete;

    const sigset_t& handled() const noexcept { return m_handled; }
    /// The mask before: the child gets it back before exec.
    const sigset_t& previous() const noexcept { return m_previous; }
    /// Restores the mask of before.
    void restore() noexcept;

private:
    sigset_t m_handled{}, m_previous{};
};

/// The command started: its pid, or the errno of what failed (fork, exec: pid 0), and the errno of the hook.
struct Spawned {
    pid_t pid = 0;
    int error = 0;
    int join_error = 0;
};

/// Runs in the child between fork and exec: only async-signal-safe calls. Returns 0 or an errno, reported
/// in Spawned::join_error (the command still runs).
using PreExec = int (*)(const void* context) noexcept;

/// fork + exec (execvpe: PATH searched) rather than posix_spawn, so that the hook runs in the child first;
/// the child resets the forwarded signals and SIGCHLD to their default and sets `mask`. Waits until exec
/// succeeded or failed; a child whose exec failed is reaped here.
Spawned spawn_child(char* const* argv, char* const* envp, const sigset_t& mask, PreExec hook = nullptr,
                    const void* context = nullptr);

/// What woke wait_signal up.
struct Wakeup {
    int signal = 0;         ///< the signal taken (0: the timeout passed or a non-blocked signal interrupted)
    bool forwarded = false;  ///< it was sent to eco2 alone and passed on to forward_to
    bool failed = false;     ///< sigtimedwait failed otherwise
};

/// Waits at most `timeout` for a signal of `set` (blocked). A signal other than SIGCHLD that was sent to eco2
/// alone (kill(2) from another process; not the terminal's, which reaches the whole foreground group with the
/// command) is forwarded to `forward_to` when it is > 0.
Wakeup wait_signal(const sigset_t& set, std::chrono::milliseconds timeout, pid_t forward_to);

/// Reaps, without blocking, every child that has exited, calling on_reaped(pid, wait status, its rusage)
/// for each. Returns false when there is no child left (ECHILD), true when some still run.
bool reap_exited(const std::function<void(pid_t pid, int status, const rusage& usage)>& on_reaped);

/// The shell's exit status of a wait status: the exit code, or 128 + N when signal N killed it.
int exit_status_of(int status) noexcept;
/// User + system CPU seconds.
double cpu_seconds(const rusage& usage) noexcept;

}  // namespace eco2::cli
