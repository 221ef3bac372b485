#include "report/series_reader.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <vector>

#include "eco2/error.hpp"

namespace eco2::detail {
namespace {

enum Col { T, CPU_W, GPU_W, RAM_W, CPU_J, GPU_J, RAM_J, CO2, INTENSITY, NCOLS };
constexpr std::array<std::string_view, NCOLS> NAMES{"t_s",   "cpu_w", "gpu_w",  "ram_w",
                                                    "cpu_j", "gpu_j", "ram_j", "co2_kg", "intensity_g_per_kwh"};

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        out.push_back(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        if (comma == std::string_view::npos) return out;
        start = comma + 1;
    }
}

}  // namespace

SeriesData read_series(std::istream& in, std::string_view origin, std::size_t buckets) {
    SeriesData d(buckets);
    std::string line;
    if (!std::getline(in, line)) throw Error(Errc::invalid_argument, std::string(origin) + ": empty series file");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::array<int, NCOLS> at;
    at.fill(-1);
    const auto header = split(line);
    for (std::size_t i = 0; i < header.size(); ++i)
        for (int c = 0; c < NCOLS; ++c)
            if (header[i] == NAMES[c]) at[c] = static_cast<int>(i);
    if (at[T] < 0)
        throw Error(Errc::invalid_argument, std::string(origin) +
                                                ": not an eco2 time series (no t_s column in its header); give the "
                                                "records file, the series is found beside it");
    bool first_intensity = true;
    std::array<double, NCOLS> v{};
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto f = split(line);
        bool ok = true;
        for (int c = 0; c < NCOLS; ++c) {
            v[c] = 0.0;
            if (at[c] < 0) continue;
            if (static_cast<std::size_t>(at[c]) >= f.size()) {
                ok = false;
                break;
            }
            const std::string_view s = f[at[c]];
            const auto r = std::from_chars(s.data(), s.data() + s.size(), v[c]);
            if (r.ec != std::errc() || r.ptr != s.data() + s.size()) ok = false;
        }
        if (!ok) {
            ++d.bad_rows;
            continue;
        }
        ++d.samples;
        const double t = v[T];
        d.t_end_s = t;
        d.cpu_w.add(t, v[CPU_W]);
        d.gpu_w.add(t, v[GPU_W]);
        d.ram_w.add(t, v[RAM_W]);
        d.max_power_w = std::max({d.max_power_w, v[CPU_W], v[GPU_W], v[RAM_W]});
        d.has_gpu = d.has_gpu || v[GPU_W] != 0.0;
        d.energy_j_end = v[CPU_J] + v[GPU_J] + v[RAM_J];
        d.energy_j.add(t, d.energy_j_end);
        d.co2_kg_end = v[CO2];
        d.co2_kg.add(t, v[CO2]);
        if (at[INTENSITY] >= 0) {
            d.intensity.add(t, v[INTENSITY]);
            d.intensity_lo = first_intensity ? v[INTENSITY] : std::min(d.intensity_lo, v[INTENSITY]);
            d.intensity_hi = first_intensity ? v[INTENSITY] : std::max(d.intensity_hi, v[INTENSITY]);
            first_intensity = false;
        }
    }
    return d;
}

}  // namespace eco2::detail
