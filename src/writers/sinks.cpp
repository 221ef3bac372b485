// The list of outputs: one line per sink, in the order they are fed.
#include <fmt/format.h>

#include "eco2/tracker_config.hpp"
#include "export/agent_sink.hpp"
#include "export/listen_sink.hpp"
#include "export/otlp_sink.hpp"
#include "export/push_sink.hpp"
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
    if (o.agent) sinks.push_back(std::make_unique<metrics::AgentSink>(metrics::agent_sockets_for(o), o.agent_node));
    if (!o.listen.empty()) sinks.push_back(std::make_unique<metrics::ListenSink>(o.listen));
    if (!o.push_url.empty()) sinks.push_back(std::make_unique<metrics::PushSink>(o.push_url, o.push_delete));
    if (!o.otlp_url.empty()) sinks.push_back(std::make_unique<metrics::OtlpSink>(o.otlp_url));
    return sinks;
}

void check_outputs(const TrackerConfig& config) {
    const OutputConfig& o = config.output;
    if (!o.path.empty()) RecordFile::check_writable(o.path, CsvWriter::header());
    if (!o.jsonl.empty()) JsonlSink::check_writable(o.jsonl);
}

std::vector<std::string> start_sinks(Sinks& sinks, const Result& first) {
    std::vector<std::string> warnings;
    for (auto it = sinks.begin(); it != sinks.end();) {
        try {
            (*it)->start(first);
            ++it;
        } catch (const std::exception& e) {
            if (!(*it)->optional()) {
                sinks.clear();
                throw;
            }
            warnings.push_back(fmt::format("{} not written: {}", (*it)->name(), e.what()));
            it = sinks.erase(it);
        }
    }
    return warnings;
}

std::uint64_t write_failures(const Sinks& sinks) noexcept {
    std::uint64_t n = 0;
    for (const auto& s : sinks) n += s->write_failures();
    return n;
}

}  // namespace eco2::detail
