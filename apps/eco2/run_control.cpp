#include "run_control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "eco2/error.hpp"

namespace eco2::cli {

RunControl::RunControl(detail::ControlFifo* fifo, bool stop_on_budget, double grace_s)
    : m_fifo(fifo), m_stop_on_budget(stop_on_budget), m_grace(grace_s), m_waiter(::pthread_self()) {}

RunControl::~RunControl() { stop(); }

void RunControl::on_event(const TrackerEvent& event) noexcept {
    bool stop = m_stop_on_budget && (event.kind == TrackerEvent::Kind::budget_warning ||
                                     event.kind == TrackerEvent::Kind::budget_exceeded);
    {
        std::lock_guard lock(m_mutex);
        const char* tag = event.kind == TrackerEvent::Kind::prediction ? "" : "warning: ";
        std::fprintf(stderr, "eco2: %s%s%s\n", tag, event.message.c_str(),
                     stop && !m_budget_stop ? " (--stop-on-budget: stopping the command)" : "");
        if (stop && !m_budget_stop.exchange(true)) {
            m_stop_time = std::chrono::steady_clock::now();
            if (m_child > 0) ::kill(m_child, SIGTERM);
            // The waiting loop may be in a sigtimedwait of up to 60 s computed before this stop: wake it
            // (SIGCHLD is in its set; a SIGCHLD without a child to reap is harmless there) so that it asks
            // poll_budget_stop() again and SIGKILL comes on time.
            ::pthread_kill(m_waiter, SIGCHLD);
        }
    }
}

std::chrono::milliseconds RunControl::poll_budget_stop() noexcept {
    if (!m_budget_stop || m_killed) return std::chrono::milliseconds(60'000);
    std::lock_guard lock(m_mutex);
    auto left = m_stop_time + std::chrono::duration_cast<std::chrono::steady_clock::duration>(m_grace) -
                std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
        if (m_child > 0) ::kill(m_child, SIGKILL);
        m_killed = true;
        std::fprintf(stderr, "eco2: the command did not stop within %.0f s of SIGTERM: sent SIGKILL\n", m_grace.count());
        return std::chrono::milliseconds(60'000);
    }
    return std::max(std::chrono::milliseconds(10), std::chrono::duration_cast<std::chrono::milliseconds>(left));
}

void RunControl::start(Tracker& tracker, pid_t child) {
    {
        std::lock_guard lock(m_mutex);
        m_tracker = &tracker;
        m_child = child;
        if (m_budget_stop) ::kill(m_child, SIGTERM);  // crossed before we knew the pid
    }
    if (m_fifo == nullptr) return;
    if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0) return;
    m_thread = std::thread([this] { loop(); });
}

void RunControl::forget_child() noexcept {
    std::lock_guard lock(m_mutex);
    m_child = 0;
}

void RunControl::stop() noexcept {
    if (m_thread.joinable()) {
        m_quit = true;
        char c = 1;
        (void)!::write(m_wake[1], &c, 1);
        m_thread.join();
    }
    for (int& fd : m_wake) {
        if (fd >= 0) ::close(fd);
        fd = -1;
    }
}

void RunControl::loop() {
    pollfd fds[2] = {{m_fifo->fd(), POLLIN, 0}, {m_wake[0], POLLIN, 0}};
    // The lines of one read are applied as one batch: one fsync of the records file, not one per mark
    // (~300 marks/s before; see docs/benchmarks.md).
    auto drain = [&](bool last) {
        m_tracker->defer_record_sync(true);
        m_fifo->drain([&](std::string_view line) { apply(line); }, last);
        m_tracker->defer_record_sync(false);
    };
    while (!m_quit) {
        int n = ::poll(fds, 2, -1);
        if (n < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) drain(false);
    }
    drain(true);  // marks written just before the command exited, a last line without newline included
    std::lock_guard lock(m_mutex);
    if (m_bad_lines > BAD_LINES_SHOWN)
        std::fprintf(stderr, "eco2: warning: control channel: %llu bad lines ignored in all (%d shown above)\n",
                     static_cast<unsigned long long>(m_bad_lines), BAD_LINES_SHOWN);
}

void RunControl::apply(std::string_view line) noexcept {
    try {
        detail::Mark mark = detail::parse_mark(line);
        if (auto* epoch = std::get_if<detail::EpochMark>(&mark)) m_epochs.push_back(m_tracker->new_epoch(epoch->params));
        else m_tracker->report_work(std::get<detail::WorkMark>(mark).work);
    } catch (const std::exception& e) {
        // One warning per bad line for the first few, then a count at the end: a command writing garbage
        // must not flood the terminal (issue 11: 2,000 bad lines gave 11,702 lines on stderr).
        std::lock_guard lock(m_mutex);
        if (++m_bad_lines <= BAD_LINES_SHOWN) {
            std::fprintf(stderr, "eco2: warning: control channel: %s\n", e.what());
            if (m_bad_lines == BAD_LINES_SHOWN)
                std::fprintf(stderr, "eco2: warning: control channel: further bad lines are counted, not shown\n");
        }
    }
}

}  // namespace eco2::cli
