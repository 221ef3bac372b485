#pragma once
// Pushgateway and OTLP/HTTP clients: the metric set pushed, bounded in time, failures returned as warnings.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "export/metric_set.hpp"

namespace eco2::metrics {

/// Grouping labels of a push: job first, then instance (and rank, when the run has one).
using Grouping = std::vector<std::pair<std::string, std::string>>;

/// The grouping of a run's pushes: job = the run's job id, else "eco2"; instance = its host; rank when known.
Grouping grouping_of(const MetricSet& set);

/// "/metrics/job/<job>/instance/<host>..." as the Pushgateway reads it: a value made of other characters than
/// [A-Za-z0-9._-] (or empty) is written as <name>@base64/<base64url value>.
std::string grouping_path(const Grouping& grouping);

/// Base64url with padding (RFC 4648 §5), what the Pushgateway decodes in @base64 segments.
std::string base64url(std::string_view bytes);

/// PUTs the sets' exposition to base_url's group (replacing what the group held). Returns a warning (why
/// it failed, one line) or nothing. Never throws; takes at most timeout.
std::optional<std::string> push_to_gateway(const std::string& base_url, const Grouping& grouping,
                                           const std::vector<MetricSet>& sets, std::chrono::milliseconds timeout);

/// DELETEs the group from the Pushgateway. Same failure behaviour as push_to_gateway.
std::optional<std::string> delete_from_gateway(const std::string& base_url, const Grouping& grouping,
                                               std::chrono::milliseconds timeout);

/// The URL the OTLP metrics go to: url itself when it ends with /v1/metrics, else url + "/v1/metrics".
std::string otlp_metrics_url(std::string_view url);

/// POSTs the sets as OTLP JSON to the collector. Same failure behaviour as push_to_gateway.
std::optional<std::string> push_otlp(const std::string& url, const std::vector<MetricSet>& sets,
                                     std::chrono::milliseconds timeout);

}  // namespace eco2::metrics
