#pragma once
// The per-tick time series beside the records file (<records>.series/<run id>.csv) as a sink.

#include <filesystem>
#include <memory>

#include "writers/series_writer.hpp"
#include "writers/sink.hpp"

namespace eco2::detail {

class SeriesSink final : public Sink {
public:
    /// `records`: the records file the series goes beside.
    explicit SeriesSink(std::filesystem::path records) : m_records(std::move(records)) {}

    std::string_view name() const noexcept override { return "time series"; }
    /// The run goes on without its series (a warning says why).
    bool optional() const noexcept override { return true; }
    bool wants_processes() const noexcept override { return true; }
    void start(const Result& initial) override {
        m_writer = std::make_unique<SeriesWriter>(SeriesWriter::path_for(m_records, initial.id));
    }
    void tick(const Tick& tick) noexcept override { m_writer->append(tick); }
    void checkpoint(const Result&) noexcept override { m_writer->flush(); }
    void epoch(const Result&, const Result&) noexcept override { m_writer->flush(); }
    void stop(const Result&) noexcept override { m_writer->close(); }
    std::vector<std::string> failure() const override {
        std::string f = m_writer->failure();
        if (f.empty()) return {};
        return {std::move(f)};
    }

private:
    std::filesystem::path m_records;
    std::unique_ptr<SeriesWriter> m_writer;
};

}  // namespace eco2::detail
