#pragma once
// The one metric set that every exporter consumes (Prometheus text, Pushgateway, OTLP JSON, the agent's
// registration datagrams): built once from what the tracker measured, in base units (J, W, g, g/kWh, s).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tick.hpp"
#include "eco2/record.hpp"

namespace eco2::metrics {

/// Energy of one device of one component so far, and its power over the last interval.
struct DeviceEnergy {
    std::string component;  ///< "cpu", "gpu", "ram"
    std::string device;     ///< channel id ("rapl.package.0", "nvml.gpu.1") or the model's name ("cpu-model")
    double joules = 0.0;    ///< cumulative IT energy (before PUE) since the start of the run (or of the agent)
    std::optional<double> watts;  ///< mean power over the last interval; absent before the first interval
};

/// Who a run is: the labels of eco2_run_info. Empty strings are allowed (no job, no rank).
struct RunLabels {
    std::string run_id, project, experiment, job, rank, host;
};

/// What one tracker measured so far: a run (with its labels) or the node (the agent's machine tracker).
struct MetricSet {
    std::string scope = "process";  ///< "process" (the run's tree) or "machine"
    std::optional<RunLabels> run;   ///< absent: the node itself, as the agent measures it
    std::string host;               ///< the node (also in run->host)
    std::vector<DeviceEnergy> devices;
    double emissions_g = 0.0;             ///< CO2 of the energy so far, facility energy (x PUE), g
    double intensity_g_per_kwh = 0.0;     ///< carbon intensity applied
    double start_unix_s = 0.0;            ///< when the counters started, Unix time, s
    double time_unix_s = 0.0;             ///< when these values were taken, Unix time, s
    bool finished = false;                ///< the run has stopped: these are its final figures
};

/// The metric set of a run (or, with node = true, of the node) at a tick: who it is from `identity` (the
/// run's first row: id, project, experiment, host, scope, start time), the figures from the tick (totals
/// since the start, per channel; CO2 and intensity). A tick without channels gives one device per measured
/// component, named after its source in `identity` ("rapl", "tdp-model"...). The one place the set is built.
MetricSet metric_set_of(const Result& identity, const detail::Tick& tick, bool node, const std::string& job = {},
                        const std::string& rank = {});
/// The same from a result alone (Tracker::snapshot()): one device per measured component, no power.
MetricSet metric_set_of(const Result& result, bool node);

/// The set as JSON (the agent's registration datagram) and back. from_json throws eco2::Error
/// (invalid_argument) when the text is not such a set.
nlohmann::json to_json(const MetricSet& set);
MetricSet metric_set_from_json(const nlohmann::json& j);

}  // namespace eco2::metrics
