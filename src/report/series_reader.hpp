#pragma once
// Reads a run's time series (<records stem>.series/<run id>.csv, docs/records.md) in one streaming pass:
// exact totals and ranges from every row, and a downsampled copy of each column for drawing.

#include <cstddef>
#include <istream>
#include <string>
#include <string_view>

#include "report/downsample.hpp"

namespace eco2::detail {

struct SeriesData {
    explicit SeriesData(std::size_t buckets) : cpu_w(buckets), gpu_w(buckets), ram_w(buckets), energy_j(buckets),
                                               co2_kg(buckets), intensity(buckets) {}
    std::size_t samples = 0;       ///< rows read
    std::size_t bad_rows = 0;      ///< rows skipped (a field not a number, too few fields)
    double t_end_s = 0.0;          ///< last t_s
    double energy_j_end = 0.0;     ///< last cpu_j + gpu_j + ram_j (IT energy, exact)
    double co2_kg_end = 0.0;       ///< last co2_kg (exact)
    double max_power_w = 0.0;      ///< highest of cpu_w, gpu_w, ram_w over all rows
    double intensity_lo = 0.0, intensity_hi = 0.0;  ///< range of intensity_g_per_kwh over all rows
    bool has_gpu = false;          ///< a non-zero gpu_w somewhere
    // Downsampled against t_s (s), in the file's units.
    MinMaxDownsampler cpu_w, gpu_w, ram_w, energy_j, co2_kg, intensity;
    /// Whether the intensity changed during the run (a series of intensities, not a fixed one).
    bool intensity_varied() const noexcept { return intensity_hi > intensity_lo; }
};

/// Reads a series CSV from `in`. Columns are found by header name; t_s is required, the others may be missing
/// (older layouts). Throws eco2::Error(invalid_argument) "<origin>: ..." when the header lacks t_s.
SeriesData read_series(std::istream& in, std::string_view origin, std::size_t buckets = 800);

}  // namespace eco2::detail
