#pragma once
// `eco2 run --push URL [--push-delete]`: the run's metrics PUT to a Pushgateway at each checkpoint and at the
// end, on a thread of their own (PublishingSink), each push within the timeout; failures are warnings.

#include <chrono>
#include <string>

#include "export/metrics_sink.hpp"
#include "export/pushgateway.hpp"

namespace eco2::metrics {

class PushSink final : public PublishingSink {
public:
    /// Checks the URL (eco2::Error(invalid_argument) naming it).
    PushSink(std::string url, bool delete_at_end, std::chrono::milliseconds timeout = std::chrono::seconds(2));
    std::string_view name() const noexcept override { return "Pushgateway push"; }

private:
    std::unique_ptr<Publisher> make_publisher(const MetricSet& first) override;

    std::string m_url;
    bool m_delete;
    std::chrono::milliseconds m_timeout;
    Grouping m_grouping;
};

}  // namespace eco2::metrics
