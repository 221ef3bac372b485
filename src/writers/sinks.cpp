// The list of outputs: one line per sink, in the order they are fed.
#include "eco2/tracker_config.hpp"
#include "writers/csv_writer.hpp"
#include "writers/jsonl_sink.hpp"
#include "writers/record_file.hpp"
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

void check_outputs(const TrackerConfig& config) {
    const OutputConfig& o = config.output;
    if (!o.path.empty()) RecordFile::check_writable(o.path, CsvWriter::header());
    if (!o.jsonl.empty()) JsonlSink::check_writable(o.jsonl);
}

}  // namespace eco2::detail
