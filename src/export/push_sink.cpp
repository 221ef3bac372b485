#include "export/push_sink.hpp"

#include "http/http_client.hpp"

namespace eco2::metrics {

PushSink::PushSink(std::string url, bool delete_at_end, std::chrono::milliseconds timeout)
    : m_url(std::move(url)), m_delete(delete_at_end), m_timeout(timeout) {
    (void)http::split_url(m_url);
}

std::unique_ptr<Publisher> PushSink::make_publisher(const MetricSet& first) {
    m_grouping = grouping_of(first);
    std::function<std::optional<std::string>()> after_last;
    if (m_delete) after_last = [this] { return delete_from_gateway(m_url, m_grouping, m_timeout); };
    return std::make_unique<Publisher>(
        [this](const MetricSet& s) { return push_to_gateway(m_url, m_grouping, {s}, m_timeout); },
        std::move(after_last));
}

}  // namespace eco2::metrics
