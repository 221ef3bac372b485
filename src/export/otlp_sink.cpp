#include "export/otlp_sink.hpp"

#include "export/pushgateway.hpp"
#include "http/http_client.hpp"

namespace eco2::metrics {

OtlpSink::OtlpSink(std::string url, std::chrono::milliseconds timeout) : m_url(std::move(url)), m_timeout(timeout) {
    (void)http::split_url(m_url);
}

std::unique_ptr<Publisher> OtlpSink::make_publisher(const MetricSet&) {
    return std::make_unique<Publisher>([this](const MetricSet& s) { return push_otlp(m_url, {s}, m_timeout); });
}

}  // namespace eco2::metrics
