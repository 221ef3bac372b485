// `eco2 agent`: the node daemon for Prometheus (and OTLP), in the foreground until SIGTERM or SIGINT.

#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>

#include "carbon_request.hpp"
#include "command.hpp"
#include "eco2/error.hpp"
#include "option_checks.hpp"
#include "shared_options.hpp"
#include "export/agent.hpp"
#include "export/agent_channel.hpp"
#include "http/http_client.hpp"
#include "sys/system_context.hpp"

namespace eco2::cli {
namespace {

struct AgentArgs {
    std::string listen = "127.0.0.1:9464";
    double otlp_interval = 10.0;
    double period = 10.0;  // docs/benchmarks.md §6: a 1 s scrape then costs <= 0.05 % of a core
};

const OptionRow AGENT_ROWS[] = {
    {"--listen", "ECO2_AGENT_LISTEN", "agent.listen", Kind::text,
     "HOST:PORT to serve /metrics on (default 127.0.0.1:9464, loopback; 0.0.0.0:9464: every interface)",
     bind<&AgentArgs::listen>, checks::listen_address},
    {"--otlp-interval", "ECO2_OTLP_INTERVAL", "agent.otlp-interval", Kind::number,
     "seconds between OTLP pushes (default 10)", bind<&AgentArgs::otlp_interval>, [] { return checks::number(0.1, 3600.0, false, false); }},
    {"--period", "ECO2_AGENT_PERIOD", "agent.period", Kind::number,
     "seconds between the node's samples (default 10; the exposition shows the latest)", bind<&AgentArgs::period>,
     [] { return checks::number(0.01, 3600.0, false, false); }},
};

std::vector<RowGroup> options() {
    std::vector<RowGroup> groups = {AGENT_ROWS, shared::otlp(), shared::pue()};
    for (RowGroup g : shared::location(false)) groups.push_back(g);
    return groups;
}

void setup(CLI::App& app, Options&) {
    app.footer(
        "The runs of this node (eco2 run and the APIs) register with the agent by themselves over its unix\n"
        "socket (ECO2_AGENT_SOCKET, else ECO2_RUNTIME_DIR/agent.sock, /run/eco2/agent.sock as root,\n"
        "XDG_RUNTIME_DIR/eco2/agent.sock, /tmp/eco2-UID/agent.sock). SIGTERM or SIGINT stop it (docs/exporters.md).");
}

std::string check(Options& o) { return shared::check_location(o, "agent"); }

int run(const Options& options) {
    const AgentArgs& a = options.own<AgentArgs>();
    metrics::AgentOptions o;
    const http::ListenAddress address = http::parse_listen_address(a.listen);
    o.host = address.host;
    o.port = address.port;
    o.otlp_url = options.otlp_url;
    o.otlp_interval = std::chrono::milliseconds(static_cast<long long>(a.otlp_interval * 1000));
    const sys::Environment process = sys::Environment::capture();
    std::map<std::string, std::string> env;
    for (const char* key : {"ECO2_AGENT_SOCKET", "ECO2_RUNTIME_DIR", "XDG_RUNTIME_DIR"})
        if (auto v = process.get(key)) env.emplace(key, *v);
    o.socket = metrics::agent_socket_to_bind(env, ::getuid());
    const carbon::CarbonSetup carbon = carbon::setup_carbon(carbon_request(options));
    o.tracker.sampling.period_s = a.period;
    o.tracker.sampling.checkpoint_s = std::max(10.0, a.period);
    o.tracker.pue = options.pue;
    o.tracker.intensity = carbon.intensity;
    for (const auto& w : carbon_warnings(carbon)) std::cerr << "eco2: warning: " << w << '\n';

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

}  // namespace

/// `eco2 agent`: the node daemon until SIGTERM/SIGINT; 0 after a clean stop, 2 for bad options.
extern const CommandSpec agent_command{.name = "agent",
                                       .help = "serve this node's energy and its runs' to Prometheus (and OTLP)",
                                       .options = options,
                                       .setup = setup,
                                       .check = check,
                                       .run = run};

}  // namespace eco2::cli
