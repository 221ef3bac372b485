#pragma once
// OTLP/HTTP metrics in the JSON encoding (an ExportMetricsServiceRequest for POST /v1/metrics) of eco2's
// metric sets, after OpenTelemetry's hardware semantic conventions: a pure function to a std::ostream.

#include <ostream>
#include <string_view>
#include <vector>

#include "export/metric_set.hpp"

namespace eco2::metrics {

/// Writes {"resourceMetrics":[...]}, one resource per set (service.name "eco2", host.name, eco2.scope and,
/// for a run, eco2.run_id, eco2.project, eco2.experiment, eco2.job, eco2.rank) with one scope ("eco2",
/// version) holding:
///   hw.energy              sum (monotonic, cumulative), J, one point per device (hw.id, hw.type, hw.name)
///   hw.power               gauge, W, the devices with a power so far
///   eco2.co2.emissions     sum (monotonic, cumulative), g
///   eco2.carbon.intensity  gauge, g/kWh
/// hw.type is "cpu", "gpu" or "memory" (for ram); hw.id is the device id. Times are Unix nanoseconds as
/// decimal strings, as the JSON encoding writes 64-bit integers.
void write_otlp_json(std::ostream& out, const std::vector<MetricSet>& sets, std::string_view version);

}  // namespace eco2::metrics
