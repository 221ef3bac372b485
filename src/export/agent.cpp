#include "export/agent.hpp"

#include <poll.h>
#include <unistd.h>

#include <cmath>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "export/agent_channel.hpp"
#include "export/prometheus_text.hpp"
#include "export/pushgateway.hpp"
#include "http/http_client.hpp"

namespace eco2::metrics {
namespace {

using Clock = std::chrono::steady_clock;

// The node's figures and the runs' sets, read by the HTTP threads and the OTLP push, written by the loop.
// The node's set is made on demand, from the tracker's latest tick: the agent wakes only for a scrape, a
// run's datagram or a push (a wake-up costs about 50 us on a VM: docs/benchmarks.md).
struct Shared {
    std::mutex mutex;
    Tracker* tracker = nullptr;  // snapshot() calls must not overlap: taken under mutex
    std::optional<MetricSet> node;
    AgentRegistry runs;

    std::vector<MetricSet> all(Clock::time_point now) {
        std::lock_guard lock(mutex);
        MetricSet fresh = metric_set_of(tracker->snapshot(), {}, true);
        if (node && fresh.time_unix_s > node->time_unix_s) derive_power(fresh, *node);
        else if (node) fresh = *node;  // no tick since: the same figures
        node = fresh;
        std::vector<MetricSet> sets{std::move(fresh)};
        for (auto& s : runs.current(now)) sets.push_back(std::move(s));
        return sets;
    }
};

std::string url_host(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

}  // namespace

void derive_power(MetricSet& now, const MetricSet& previous) {
    const double dt = now.time_unix_s - previous.time_unix_s;
    if (!(dt > 0)) return;
    for (auto& d : now.devices) {
        if (d.watts) continue;
        for (const auto& p : previous.devices)
            if (p.component == d.component && p.device == d.device && d.joules >= p.joules)
                d.watts = (d.joules - p.joules) / dt;
    }
}

int run_agent(const AgentOptions& options, std::ostream& err) {
    TrackerConfig config = options.tracker;
    config.scope = Scope::machine;
    config.output.clear();
    config.write_series = false;
    Tracker tracker(config);
    AgentSocket socket(options.socket);
    Shared shared;
    shared.tracker = &tracker;
    tracker.start();
    bool push_failing = false;
    auto push = [&](Clock::time_point now) {
        if (options.otlp_url.empty()) return;
        auto warning = push_otlp(options.otlp_url, shared.all(now), options.push_timeout);
        if (warning && !push_failing) err << "eco2: warning: " << *warning << " (said once until it works again)\n";
        else if (!warning && push_failing) err << "eco2 agent: OTLP export works again\n";
        err << std::flush;
        push_failing = warning.has_value();
    };
    {
        http::Server server(options.host, options.port, [&shared](const std::string& path) {
            if (path != "/metrics")
                return http::Reply{path == "/" ? 200 : 404, "text/plain; charset=utf-8",
                                   "eco2 agent: the metrics are at /metrics\n"};
            std::ostringstream text;
            write_prometheus_text(text, shared.all(Clock::now()));
            return http::Reply{200, std::string(PROMETHEUS_CONTENT_TYPE), text.str()};
        });
        err << fmt::format("eco2 agent: serving http://{}:{}/metrics; runs of this node register at {}\n",
                           url_host(options.host), server.port(), socket.path().string())
            << std::flush;
        if (options.on_listening) options.on_listening(server.port());
        auto next_push = Clock::now() + options.otlp_interval;
        for (;;) {
            int wait = -1;  // no push: sleep until a datagram or the stop
            if (!options.otlp_url.empty()) {
                const auto now = Clock::now();
                if (now >= next_push) {
                    push(now);
                    next_push = now + options.otlp_interval;
                }
                wait = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(next_push - Clock::now()).count());
                wait = std::max(wait, 0);
            }
            pollfd fds[2] = {{socket.fd(), POLLIN, 0}, {options.stop_fd, POLLIN, 0}};
            const int n = ::poll(fds, options.stop_fd >= 0 ? 2 : 1, wait);
            if (n <= 0) continue;
            if (fds[0].revents & POLLIN) {
                const auto received = socket.receive();
                std::lock_guard lock(shared.mutex);
                for (const auto& s : received) shared.runs.update(s, Clock::now());
            }
            if (options.stop_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) break;
        }
    }  // the server stops (a scrape being answered finishes) before the tracker does
    push(Clock::now());  // the final figures
    tracker.stop();
    err << "eco2 agent: stopped\n" << std::flush;
    return 0;
}

}  // namespace eco2::metrics
