#include "writers/series_writer.hpp"

#include <system_error>

#include <fmt/format.h>

#include "eco2/error.hpp"

namespace eco2::detail {

std::filesystem::path SeriesWriter::path_for(const std::filesystem::path& records, const std::string& run_id) {
    std::filesystem::path dir = records;
    dir.replace_extension(".series");
    return dir / (run_id + ".csv");
}

const char* SeriesWriter::header() noexcept {
    return "t_s,cpu_w,gpu_w,ram_w,cpu_j,gpu_j,ram_j,co2_kg,intensity_g_per_kwh,tree_cpu_s,tree_rss_bytes,processes";
}

SeriesWriter::SeriesWriter(std::filesystem::path path) : m_path(std::move(path)) {
    std::error_code ec;
    std::filesystem::create_directories(m_path.parent_path(), ec);
    if (ec) throw Error(Errc::io_error, "cannot create " + m_path.parent_path().string() + ": " + ec.message());
    m_out.open(m_path, std::ios::out | std::ios::trunc);
    if (!m_out) throw Error(Errc::io_error, "cannot create " + m_path.string());
    m_out << header() << '\n';
}

void SeriesWriter::append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                          double g_per_kwh, const TreeSample& tree) noexcept {
    if (!m_out) return;
    const double dt = t - m_last_t;
    m_last_t = t;
    auto w = [&](std::size_t c) { return dt > 0 ? interval[c] / dt : 0.0; };
    try {
        // fmt formats without the locale, so decimal points stay points.
        m_out << fmt::format("{:.4f},{:.6g},{:.6g},{:.6g},{:.10g},{:.10g},{:.10g},{:.10g},{:.6g},{:.4f},{:.0f},{}\n",
                             t, w(0), w(1), w(2), totals[0], totals[1], totals[2], co2_kg, g_per_kwh,
                             tree.tree_cpu_s, tree.tree_rss_bytes, tree.pids.size());
    } catch (...) {  // allocation failure: drop the row rather than disturb the sampler
    }
}

void SeriesWriter::flush() noexcept { m_out.flush(); }

void SeriesWriter::close() noexcept {
    m_out.flush();
    m_out.close();
}

}  // namespace eco2::detail
