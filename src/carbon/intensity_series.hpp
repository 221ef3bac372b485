#pragma once
// Carbon intensity that changes over time: a CSV of (timestamp, gCO2/kWh) such as an Electricity Maps or grid
// operator export. at(t) is the value of the latest point at or before t (a step function), so the tracker
// computes CO2 per sample interval with the intensity of that time.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/carbon.hpp"

namespace eco2::carbon {

using SysTime = std::chrono::system_clock::time_point;

/// Parses a timestamp: ISO 8601 `YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH:MM|±HHMM|±HH]` (a time without
/// an offset is UTC; a date alone is its midnight UTC) or unix seconds (`1704067200`, `1704067200.5`).
/// Returns nullopt for anything else, including impossible dates (2023-02-30) and times (25:00).
std::optional<SysTime> parse_timestamp(std::string_view text);

/// "2024-01-01T00:00:00Z" (whole seconds, UTC).
std::string format_utc(SysTime t);

/// One point of a series.
struct SeriesPoint {
    SysTime t;
    double g_per_kwh = 0.0;
    std::size_t line = 0;  ///< in the source file
};

/// A step function of time read from a CSV file. Immutable; at() is safe to call concurrently.
class IntensitySeries final : public IntensityProvider {
public:
    /// Parses the CSV text. Without a header, each line is `timestamp,gCO2/kWh`. With a header (a first line
    /// whose first field is not a timestamp), the timestamp column is the first whose name contains "time" or
    /// "date" and the value column the first whose name mentions the intensity ("intensity", "gco2", "co2"),
    /// a life-cycle one ("lca", "life cycle") preferred, so Electricity Maps exports read as they are. Blank
    /// lines and lines starting with '#' are skipped. Points must be in strictly increasing time order.
    /// Throws eco2::Error(invalid_argument) "<origin>:<line>: ..." for a bad timestamp, value, order or
    /// column. region names the series in records (region/country column).
    static std::shared_ptr<const IntensitySeries> parse(std::string_view text, std::string origin,
                                                        std::string region);
    /// Reads and parses a file; Error(io_error) when it cannot be read.
    static std::shared_ptr<const IntensitySeries> load(const std::filesystem::path& file, std::string region);

    /// Value of the latest point at or before t; before the first point, the first value.
    double at(SysTime t) const noexcept override;
    std::string region() const override { return m_region; }
    /// "intensity series FILE (N points, FIRST to LAST)".
    std::string source() const override;

    const std::vector<SeriesPoint>& points() const noexcept { return m_points; }
    const std::string& origin() const noexcept { return m_origin; }
    /// Warnings for a run from start to end that the series does not cover: the run began before the first
    /// point (its value was used until then), or ended more than one step (the median spacing) after the
    /// last.
    std::vector<std::string> coverage_warnings(SysTime start, SysTime end) const;

    IntensitySeries(std::vector<SeriesPoint> points, std::string origin, std::string region);

private:
    std::vector<SeriesPoint> m_points;
    std::string m_origin, m_region;
};

}  // namespace eco2::carbon
