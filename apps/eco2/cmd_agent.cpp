// `eco2 agent`: the node daemon for Prometheus (and OTLP), in the foreground until SIGTERM or SIGINT.

#include <sys/signalfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "carbon_setup.hpp"
#include "commands.hpp"
#include "eco2/error.hpp"
#include "export/agent.hpp"
#include "export/agent_channel.hpp"
#include "http/http_client.hpp"

namespace eco2::cli {

int cmd_agent(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) {
    CLI::App app("run eco2's node agent: the machine's energy and the runs of this node, for Prometheus", "eco2 agent");
    std::string listen = "127.0.0.1:9464", otlp;
    double otlp_interval = 10.0;
    Options carbon;
    carbon.period = 10.0;  // docs/benchmarks.md §6: the 1 s scrape then costs <= 0.05 % of a core
    app.add_option("--listen", listen,
                   "HOST:PORT to serve /metrics on (default 127.0.0.1:9464, loopback; 0.0.0.0:9464: every interface)")
        ->envname("ECO2_AGENT_LISTEN");
    app.add_option("--otlp", otlp, "also push OTLP/HTTP metrics (JSON) to this collector URL, e.g. http://127.0.0.1:4318")
        ->envname("ECO2_OTLP");
    app.add_option("--otlp-interval", otlp_interval, "seconds between OTLP pushes (default 10)")
        ->check(CLI::Range(0.1, 3600.0));
    app.add_option("--period", carbon.period, "seconds between the node's samples (default 10; the exposition shows the latest)")
        ->check(CLI::Range(0.01, 3600.0));
    app.add_option("--pue", carbon.pue, "power usage effectiveness of the data centre (>= 1)")->check(CLI::Range(1.0, 10.0));
    app.add_option("--intensity", carbon.intensity, "carbon intensity, gCO2/kWh (default: the region's)");
    app.add_option("--region", carbon.region, "electricity zone (FR, US-CAL-CISO, ...); default: from the time zone");
    app.footer("The runs of this node (eco2 run and the APIs) register with the agent by themselves over its unix socket\n"
               "(ECO2_AGENT_SOCKET, else ECO2_RUNTIME_DIR/agent.sock, /run/eco2/agent.sock as root,\n"
               "XDG_RUNTIME_DIR/eco2/agent.sock, /tmp/eco2-UID/agent.sock). SIGTERM or SIGINT stop it.");
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        std::cout << app.help();
        return 0;
    } catch (const CLI::ParseError& e) {
        std::fprintf(stderr, "eco2: error: %s (see eco2 agent --help)\n", e.what());
        return 2;
    }
    metrics::AgentOptions o;
    try {
        const http::ListenAddress address = http::parse_listen_address(listen);
        o.host = address.host;
        o.port = address.port;
        if (!otlp.empty()) (void)http::split_url(otlp);
    } catch (const Error& e) {
        std::fprintf(stderr, "eco2: error: %s\n", e.what());
        return 2;
    }
    o.otlp_url = otlp;
    o.otlp_interval = std::chrono::milliseconds(static_cast<long long>(otlp_interval * 1000));
    o.socket = metrics::agent_socket_to_bind(env, ::getuid());
    const CarbonSetup setup = setup_carbon(carbon, CarbonContext{});
    o.tracker.sampling.period_s = carbon.period;
    o.tracker.sampling.checkpoint_s = std::max(10.0, carbon.period);
    o.tracker.pue = carbon.pue;
    o.tracker.intensity = setup.intensity;
    for (const auto& w : setup.warnings) std::fprintf(stderr, "eco2: warning: %s\n", w.c_str());

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // before any thread: all inherit it, the signalfd gets them
    o.stop_fd = ::signalfd(-1, &stop, SFD_CLOEXEC);
    const int rc = metrics::run_agent(o, std::cerr);
    ::close(o.stop_fd);
    return rc;
}

}  // namespace eco2::cli
