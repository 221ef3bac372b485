#include "run_control.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "eco2/error.hpp"

namespace eco2::cli {

RunControl::RunControl(detail::ControlFifo* fifo, bool stop_on_budget, double grace_s)
    : m_fifo(fifo), m_stop_on_budget(stop_on_budget), m_grace(grace_s) {}

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
    auto drain = [&](bool last) { m_fifo->drain([&](std::string_view line) { apply(line); }, last); };
    while (!m_quit) {
        int n = ::poll(fds, 2, -1);
        if (n < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) drain(false);
    }
    drain(true);  // marks written just before the command exited, a last line without newline included
}

void RunControl::apply(std::string_view line) noexcept {
    try {
        detail::Mark mark = detail::parse_mark(line);
        if (auto* epoch = std::get_if<detail::EpochMark>(&mark)) m_tracker->new_epoch(epoch->params);
        else m_tracker->report_work(std::get<detail::WorkMark>(mark).work);
    } catch (const std::exception& e) {
        std::lock_guard lock(m_mutex);
        std::fprintf(stderr, "eco2: warning: control channel: %s\n", e.what());
    }
}

}  // namespace eco2::cli
