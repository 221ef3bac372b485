#include "child_process.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <map>
#include <string>
#include <vector>

extern char** environ;

using namespace eco2::cli;

namespace {

struct Argv {
    explicit Argv(std::vector<std::string> list) : words(std::move(list)) {
        for (auto& w : words) ptrs.push_back(w.data());
        ptrs.push_back(nullptr);
    }
    std::vector<std::string> words;
    std::vector<char*> ptrs;
};

// Waits (at most 10 s) until the child has exited and returns its wait status and rusage.
struct Exit {
    int status = -1;
    rusage usage{};
};
Exit wait_for(const SignalScope& signals, pid_t child) {
    Exit e;
    bool done = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done && std::chrono::steady_clock::now() < deadline) {
        const Wakeup w = wait_signal(signals.handled(), std::chrono::milliseconds(200), child);
        if (w.failed) break;
        reap_exited([&](pid_t pid, int status, const rusage& ru) {
            if (pid == child) e = {status, ru}, done = true;
        });
    }
    return e;
}

int joins_with(const void* context) noexcept {
    return *static_cast<const int*>(context);
}

}  // namespace

TEST(ChildProcess, RunsTheCommandAndReturnsItsExitStatus) {
    SignalScope signals;
    Argv argv({"sh", "-c", "exit 3"});
    const Spawned s = spawn_child(argv.ptrs.data(), environ, signals.previous());
    ASSERT_EQ(s.error, 0);
    ASSERT_GT(s.pid, 0);
    EXPECT_EQ(exit_status_of(wait_for(signals, s.pid).status), 3);
    EXPECT_FALSE(reap_exited([](pid_t, int, const rusage&) {}));  // no child left
    signals.restore();
}

TEST(ChildProcess, ACommandNotFoundIsAnErrnoNotAChild) {
    SignalScope signals;
    Argv argv({"/nonexistent/eco2-no-such-program"});
    const Spawned s = spawn_child(argv.ptrs.data(), environ, signals.previous());
    EXPECT_EQ(s.error, ENOENT);
    EXPECT_EQ(s.pid, 0);
    EXPECT_FALSE(reap_exited([](pid_t, int, const rusage&) { ADD_FAILURE() << "reaped a failed exec"; }));
    signals.restore();
}

TEST(ChildProcess, TheHookRunsInTheChildAndItsErrorIsReported) {
    SignalScope signals;
    Argv argv({"true"});
    const int error = EACCES;
    const Spawned s = spawn_child(argv.ptrs.data(), environ, signals.previous(), joins_with, &error);
    EXPECT_EQ(s.error, 0);
    EXPECT_EQ(s.join_error, EACCES);  // the command runs all the same
    EXPECT_EQ(exit_status_of(wait_for(signals, s.pid).status), 0);
    signals.restore();
}

TEST(ChildProcess, ASignalSentToUsAloneIsForwardedAndKillsTheChild) {
    SignalScope signals;
    Argv argv({"sleep", "30"});
    const Spawned s = spawn_child(argv.ptrs.data(), environ, signals.previous());
    ASSERT_GT(s.pid, 0);
    pthread_kill(pthread_self(), SIGTERM);  // blocked here: taken by wait_signal and passed on
    const Wakeup w = wait_signal(signals.handled(), std::chrono::seconds(5), s.pid);
    EXPECT_EQ(w.signal, SIGTERM);
    EXPECT_TRUE(w.forwarded);
    EXPECT_EQ(exit_status_of(wait_for(signals, s.pid).status), 128 + SIGTERM);
    signals.restore();
}

TEST(ChildProcess, TheTimeoutPassesWithoutASignal) {
    SignalScope signals;
    const auto t0 = std::chrono::steady_clock::now();
    const Wakeup w = wait_signal(signals.handled(), std::chrono::milliseconds(50), 0);
    EXPECT_EQ(w.signal, 0);
    EXPECT_FALSE(w.failed);
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(45));
    signals.restore();
}

TEST(ChildProcess, Wait4GivesTheCpuTimeTheChildReportsItself) {
    // The child burns CPU for ~0.3 s of its own user time, then prints what getrusage(RUSAGE_SELF) says;
    // the rusage of wait4 must cover it (it also counts what exec and the shell took).
    SignalScope signals;
    int out[2];
    ASSERT_EQ(::pipe(out), 0);
    Argv argv({"sh", "-c",
               "python3 -c 'import resource,time\n"
               "t=time.process_time()\n"
               "while time.process_time()-t<0.3: pass\n"
               "r=resource.getrusage(resource.RUSAGE_SELF)\n"
               "print(r.ru_utime+r.ru_stime)' >&" + std::to_string(out[1])});
    const Spawned s = spawn_child(argv.ptrs.data(), environ, signals.previous());
    ASSERT_GT(s.pid, 0);
    ::close(out[1]);
    const Exit e = wait_for(signals, s.pid);
    char buf[64] = {};
    const ssize_t n = ::read(out[0], buf, sizeof buf - 1);
    ::close(out[0]);
    ASSERT_GT(n, 0);
    const double own = std::stod(buf);
    EXPECT_EQ(exit_status_of(e.status), 0);
    EXPECT_GE(own, 0.3);
    EXPECT_GE(cpu_seconds(e.usage) + 0.01, own);
    EXPECT_LT(cpu_seconds(e.usage), own + 1.0);
    signals.restore();
}

TEST(ChildProcess, ExitStatusOfASignalIs128PlusIt) {
    EXPECT_EQ(exit_status_of(0), 0);
    EXPECT_EQ(exit_status_of(7 << 8), 7);
    EXPECT_EQ(exit_status_of(SIGKILL), 128 + SIGKILL);
    rusage ru{};
    ru.ru_utime = {1, 500000};
    ru.ru_stime = {0, 250000};
    EXPECT_DOUBLE_EQ(cpu_seconds(ru), 1.75);
}
