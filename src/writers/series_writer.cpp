#include "writers/series_writer.hpp"

#include <charconv>
#include <system_error>

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

SeriesWriter::~SeriesWriter() {
    if (m_out.is_open()) write_held();
}

void SeriesWriter::append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                          double g_per_kwh, const TreeSample& tree) noexcept {
    if (!m_out) return;
    const double dt = t - m_last_t;
    m_last_t = t;
    auto w = [&](std::size_t c) { return dt > 0 ? interval[c] / dt : 0.0; };
    Row& r = m_rows[m_held++];
    r.t = t;
    r.cpu_w = w(0);
    r.gpu_w = w(1);
    r.ram_w = w(2);
    r.cpu_j = totals[0];
    r.gpu_j = totals[1];
    r.ram_j = totals[2];
    r.co2_kg = co2_kg;
    r.g_per_kwh = g_per_kwh;
    r.tree_cpu_s = tree.tree_cpu_s;
    r.tree_rss_bytes = tree.tree_rss_bytes;
    r.processes = tree.pids.size();
    if (m_held == ROWS_HELD) write_held();
}

namespace {

// Text of printf("%.*f" or "%.*g", precision, v) in the C locale; the caller leaves room for the longest.
char* put(char* p, double v, std::chars_format format, int precision, char after) noexcept {
    p = std::to_chars(p, p + 400, v, format, precision).ptr;
    *p = after;
    return p + 1;
}

}  // namespace

void SeriesWriter::write_held() noexcept {
    constexpr auto fixed = std::chars_format::fixed;
    constexpr auto general = std::chars_format::general;
    char* const begin = m_text.data();
    char* p = begin;
    for (std::size_t i = 0; i < m_held; ++i) {
        if (static_cast<std::size_t>(m_text.data() + m_text.size() - p) < MAX_ROW_CHARS) {
            m_out.write(begin, p - begin);
            p = begin;
        }
        const Row& r = m_rows[i];
        // The header's columns, formatted as {:.4f},{:.6g} x3,{:.10g} x4,{:.6g},{:.4f},{:.0f},{} were.
        p = put(p, r.t, fixed, 4, ',');
        p = put(p, r.cpu_w, general, 6, ',');
        p = put(p, r.gpu_w, general, 6, ',');
        p = put(p, r.ram_w, general, 6, ',');
        p = put(p, r.cpu_j, general, 10, ',');
        p = put(p, r.gpu_j, general, 10, ',');
        p = put(p, r.ram_j, general, 10, ',');
        p = put(p, r.co2_kg, general, 10, ',');
        p = put(p, r.g_per_kwh, general, 6, ',');
        p = put(p, r.tree_cpu_s, fixed, 4, ',');
        p = put(p, r.tree_rss_bytes, fixed, 0, ',');
        p = std::to_chars(p, p + 24, r.processes).ptr;
        *p++ = '\n';
    }
    m_out.write(begin, p - begin);
    m_held = 0;
}

void SeriesWriter::flush() noexcept {
    write_held();
    m_out.flush();
}

void SeriesWriter::close() noexcept {
    flush();
    m_out.close();
}

}  // namespace eco2::detail
