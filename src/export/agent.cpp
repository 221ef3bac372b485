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

// The node's figures and the runs' sets, read by the HTTP threads and the OTLP push, written by the loop
// as the datagrams come (the node's from the agent's own tracker): the agent wakes only for a datagram, a
// scrape or a push (a wake-up costs about 50 us on a VM: docs/benchmarks.md).
struct Shared {
    std::mutex mutex;
    std::optional<MetricSet> node;
    AgentRegistry runs;

    std::vector<MetricSet> all(Clock::time_point now) {
        std::lock_guard lock(mutex);
        std::vector<MetricSet> sets;
        if (node) sets.push_back(*node);
        for (auto& s : runs.current(now)) sets.push_back(std::move(s));
        return sets;
    }
};

std::string url_host(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

}  // namespace

int run_agent(const AgentOptions& options, std::ostream& err) {
    TrackerConfig config = options.tracker;
    config.sampling.scope = Scope::machine;
    config.output.path.clear();
    config.output.write_series = false;
    config.output.jsonl.clear();
    // The agent's own tracker sends its sets, as the node's, to this agent's socket (the sink that every
    // tracker has): the node's figures per device, from its ticks.
    config.output.agent_socket = options.socket;
    config.output.agent_node = true;
    // The node's figures are no rank's: an agent started inside a job (a SLURM prolog) joins no election.
    config.detect_job = false;
    Tracker tracker(config);
    AgentSocket socket(options.socket);
    Shared shared;
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
                for (auto& s : received) {
                    if (s.run) shared.runs.update(std::move(s), Clock::now());
                    else shared.node = std::move(s);
                }
            }
            if (options.stop_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) break;
        }
    }  // the server stops (a scrape being answered finishes) before the tracker does
    tracker.stop();
    for (auto& s : socket.receive())  // the node's final tick, and runs' last words
        if (!s.run) shared.node = std::move(s);
    push(Clock::now());  // the final figures
    err << "eco2 agent: stopped\n" << std::flush;
    return 0;
}

}  // namespace eco2::metrics
