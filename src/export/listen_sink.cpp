#include "export/listen_sink.hpp"

#include <sstream>

#include "export/prometheus_text.hpp"
#include "http/http_client.hpp"

namespace eco2::metrics {

ListenSink::ListenSink(std::string address) {
    const http::ListenAddress a = http::parse_listen_address(address);
    m_host = a.host;
    m_port = a.port;
}

ListenSink::~ListenSink() = default;

void ListenSink::on_start(const MetricSet& set) {
    on_tick(set);
    m_server = std::make_unique<http::Server>(m_host, m_port, [this](const std::string& path) {
        if (path != "/metrics") return http::Reply{404, "text/plain; charset=utf-8", "the metrics are at /metrics\n"};
        std::lock_guard lock(m_mutex);
        return http::Reply{200, std::string(PROMETHEUS_CONTENT_TYPE), m_text};
    });
}

void ListenSink::on_tick(const MetricSet& set) noexcept {
    try {
        std::ostringstream text;
        write_prometheus_text(text, {set});
        std::lock_guard lock(m_mutex);
        m_text = text.str();
    } catch (const std::exception&) {
        // out of memory: the previous exposition stays
    }
}

void ListenSink::on_stop(const MetricSet&) noexcept { m_server.reset(); }

}  // namespace eco2::metrics
