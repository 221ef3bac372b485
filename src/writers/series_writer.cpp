#include "writers/series_writer.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "eco2/error.hpp"
#include "writers/record_file.hpp"

namespace eco2::detail {

std::filesystem::path SeriesWriter::path_for(const std::filesystem::path& records, const std::string& run_id) {
    std::filesystem::path dir = records;
    dir.replace_extension(".series");
    return dir / (run_id + ".csv");
}

const char* SeriesWriter::header() noexcept {
    return "t_s,cpu_w,gpu_w,ram_w,cpu_j,gpu_j,ram_j,co2_kg,intensity_g_per_kwh,tree_cpu_s,tree_rss_bytes,processes";
}

void make_folders(const std::filesystem::path& dir) {
    if (dir.empty()) return;
    check_link_is_safe(dir);
    // Each missing folder made 0755 whatever the umask (create_directories would leave 0777 under umask 0).
    std::filesystem::path at;
    for (const auto& part : dir) {
        at /= part;
        if (::mkdir(at.c_str(), 0755) == 0) {
            ::chmod(at.c_str(), 0755);
        } else if (errno != EEXIST) {
            throw Error(Errc::io_error, "cannot create " + at.string() + ": " + std::strerror(errno));
        }
    }
}

SeriesWriter::SeriesWriter(std::filesystem::path path) : m_path(std::move(path)) {
    make_folders(m_path.parent_path());
    // A new file per run id: O_EXCL | O_NOFOLLOW never writes through a link planted there.
    m_fd = ::open(m_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (m_fd < 0) throw Error(Errc::io_error, "cannot create " + m_path.string() + ": " + std::strerror(errno));
    ::fchmod(m_fd, 0644);
    const std::string line = std::string(header()) + "\n";
    write_text(line.data(), line.size(), 0, 0, 0);
    if (m_size == 0) {
        const int err = m_first_errno;
        ::close(m_fd);
        ::unlink(m_path.c_str());
        m_fd = -1;
        throw Error(Errc::io_error, "cannot write " + m_path.string() + ": " + std::strerror(err));
    }
}

SeriesWriter::~SeriesWriter() {
    if (m_fd >= 0) {
        write_held();
        ::close(m_fd);
    }
}

void SeriesWriter::write_text(const char* data, std::size_t size, std::size_t rows, double first_t,
                              double last_t) noexcept {
    std::size_t done = 0;
    while (done < size) {
        ssize_t n = ::pwrite(m_fd, data + done, size - done, static_cast<off_t>(m_size + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            // Cut the part written so the file ends on a whole row; these rows are lost, the next try may work.
            if (m_first_errno == 0) m_first_errno = n < 0 ? errno : ENOSPC;
            if (::ftruncate(m_fd, static_cast<off_t>(m_size)) != 0) errno = 0;
            if (m_lost_rows == 0) m_lost_from = first_t;
            m_lost_to = last_t;
            m_lost_rows += rows;
            return;
        }
        done += static_cast<std::size_t>(n);
    }
    m_size += size;
}

std::string SeriesWriter::failure() const {
    if (m_lost_rows == 0 && m_first_errno == 0) return {};
    return fmt::format("time series {}: {} row{} not written (t = {:.1f} .. {:.1f} s): {}; the file holds only whole "
                       "rows",
                       m_path.string(), m_lost_rows, m_lost_rows == 1 ? "" : "s", m_lost_from, m_lost_to,
                       std::strerror(m_first_errno));
}

void SeriesWriter::append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                          double g_per_kwh, double tree_cpu_s, double tree_rss_bytes,
                          std::size_t processes) noexcept {
    if (m_fd < 0) return;
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
    r.tree_cpu_s = tree_cpu_s;
    r.tree_rss_bytes = tree_rss_bytes;
    r.processes = processes;
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
    std::size_t first = 0;  // first row in m_text
    for (std::size_t i = 0; i < m_held; ++i) {
        if (static_cast<std::size_t>(m_text.data() + m_text.size() - p) < MAX_ROW_CHARS) {
            write_text(begin, static_cast<std::size_t>(p - begin), i - first, m_rows[first].t, m_rows[i - 1].t);
            p = begin;
            first = i;
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
    if (m_held > first)
        write_text(begin, static_cast<std::size_t>(p - begin), m_held - first, m_rows[first].t, m_rows[m_held - 1].t);
    m_held = 0;
}

void SeriesWriter::flush() noexcept {
    if (m_fd >= 0) write_held();
}

void SeriesWriter::close() noexcept {
    flush();
    if (m_fd >= 0) ::close(m_fd);
    m_fd = -1;
}

}  // namespace eco2::detail
