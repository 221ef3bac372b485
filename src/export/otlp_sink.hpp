#pragma once
// `eco2 run --otlp URL`: the run's metrics POSTed as OTLP/HTTP JSON at each checkpoint and at the end, on a
// thread of their own (PublishingSink), each push within the timeout; failures are warnings.

#include <chrono>
#include <string>

#include "export/metrics_sink.hpp"

namespace eco2::metrics {

class OtlpSink final : public PublishingSink {
public:
    /// Checks the URL (eco2::Error(invalid_argument) naming it).
    explicit OtlpSink(std::string url, std::chrono::milliseconds timeout = std::chrono::seconds(2));
    std::string_view name() const noexcept override { return "OTLP export"; }

private:
    std::unique_ptr<Publisher> make_publisher(const MetricSet& first) override;

    std::string m_url;
    std::chrono::milliseconds m_timeout;
};

}  // namespace eco2::metrics
