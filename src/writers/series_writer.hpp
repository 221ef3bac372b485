#pragma once
// Per-sample time series of a run, beside the records CSV: <records stem>.series/<run id>.csv.
// One row per sampler tick; format documented in docs/records.md. Buffered; flushed at each checkpoint, so
// memory does not grow with the length of the run.

#include <filesystem>
#include <fstream>

#include "core/accumulator.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

class SeriesWriter {
public:
    /// "runs/emission.csv" + id -> "runs/emission.series/<id>.csv".
    static std::filesystem::path path_for(const std::filesystem::path& records, const std::string& run_id);
    /// Creates the directory and the file with its header. Throws eco2::Error(io_error).
    explicit SeriesWriter(std::filesystem::path path);
    static const char* header() noexcept;
    /// One row: time since start, power per component over the interval, energy totals, CO2, intensity.
    void append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                double g_per_kwh, const TreeSample& tree) noexcept;
    void flush() noexcept;
    void close() noexcept;
    const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
    std::ofstream m_out;
    double m_last_t = 0.0;
};

}  // namespace eco2::detail
