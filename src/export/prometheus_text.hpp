#pragma once
// Prometheus text exposition format 0.0.4 of eco2's metric sets: a pure function to a std::ostream.

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "export/metric_set.hpp"

namespace eco2::metrics {

/// The Content-Type of the exposition (what a scrape or a Pushgateway push carries).
inline constexpr std::string_view PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/// Writes the families, each once with its HELP and TYPE lines, then the samples of every set:
///   eco2_energy_joules_total{component,device,scope[,run_id]}   counter, J (IT energy, before PUE)
///   eco2_power_watts{component,device,scope[,run_id]}           gauge, W (devices with a power so far)
///   eco2_emissions_grams_total{scope[,run_id]}                  counter, g CO2
///   eco2_carbon_intensity_grams_per_kwh{scope[,run_id]}         gauge, gCO2/kWh
///   eco2_run_info{run_id,project,experiment,job,rank,host}      gauge, 1 per run
/// The node's own set (no run) has no run_id label. Label values are escaped (\\, \", \n); numbers are
/// written in the shortest form that reads back exactly, whatever the locale. No timestamps. Two sets with
/// the same run id, or a node set given twice, would repeat series: the caller keeps one per run.
void write_prometheus_text(std::ostream& out, const std::vector<MetricSet>& sets);

/// A label value as the text format needs it: backslash, double quote and line feed escaped.
std::string escape_label_value(std::string_view value);

/// A number as the text format writes it: shortest round-trip decimal, NaN, +Inf, -Inf.
std::string prometheus_number(double value);

}  // namespace eco2::metrics
