// The list of outputs: one line per sink, in the order they are fed.
#include "eco2/tracker_config.hpp"
#include "writers/jsonl_sink.hpp"
#include "writers/records_sink.hpp"
#include "writers/series_sink.hpp"
#include "writers/sink.hpp"

namespace eco2::detail {

Sinks make_sinks(const TrackerConfig& config) {
    const OutputConfig& o = config.output;
    Sinks sinks;
    if (!o.path.empty()) sinks.push_back(std::make_unique<RecordsSink>(o.path));
    if (!o.path.empty() && o.write_series) sinks.push_back(std::make_unique<SeriesSink>(o.path));
    if (!o.jsonl.empty()) sinks.push_back(std::make_unique<JsonlSink>(o.jsonl));
    return sinks;
}

}  // namespace eco2::detail
