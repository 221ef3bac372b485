#pragma once
// `eco2 run --listen HOST:PORT`: the run's metrics served in the Prometheus text format while it runs.

#include <memory>
#include <mutex>
#include <string>

#include "export/metrics_sink.hpp"

namespace eco2::http {
class Server;
}

namespace eco2::metrics {

class ListenSink final : public MetricsSink {
public:
    /// Checks the address (eco2::Error(invalid_argument) with the expected form); binds at start().
    explicit ListenSink(std::string address);
    ~ListenSink() override;
    std::string_view name() const noexcept override { return "Prometheus exposition"; }

private:
    void on_start(const MetricSet& set) override;  // binds: eco2::Error(io_error) when it cannot
    void on_tick(const MetricSet& set) noexcept override;
    void on_stop(const MetricSet& set) noexcept override;  // the server stops with the run

    std::string m_host;
    int m_port = 0;
    std::mutex m_mutex;  // the server's threads read m_text
    std::string m_text;
    std::unique_ptr<http::Server> m_server;
};

}  // namespace eco2::metrics
