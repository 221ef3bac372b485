#pragma once
// Per-sample time series of a run, beside the records CSV: <records stem>.series/<run id>.csv.
// One row per sampler tick; format documented in docs/records.md. Buffered; flushed at each checkpoint, so
// memory does not grow with the length of the run.
//
// A row is kept as numbers and the rows are formatted ROWS_HELD at a time: formatting one row right after
// the sampler woke up, with cold caches, cost about 18 µs on the reference VM (0.18 % of a core at 100 Hz),
// several times what it costs within a batch. Numbers are formatted with std::to_chars (printf's %.*f and
// %.*g in the C locale, the text fmt's {:.4f} and {:.6g} gave, at half the cost). Nothing is allocated.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/tick.hpp"
#include "sensors/sensor.hpp"

namespace eco2::detail {

/// Creates `dir` and its missing parents, each 0755 whatever the umask (refusing another user's link in a
/// sticky directory). Throws eco2::Error(io_error).
void make_folders(const std::filesystem::path& dir);

class SeriesWriter {
public:
    /// "runs/emission.csv" + id -> "runs/emission.series/<id>.csv".
    static std::filesystem::path path_for(const std::filesystem::path& records, const std::string& run_id);
    /// Creates the directory (0755) and the file (0644, whatever the umask; never through a symbolic link) with
    /// its header. Throws eco2::Error(io_error).
    explicit SeriesWriter(std::filesystem::path path);
    /// Writes the rows still held.
    ~SeriesWriter();
    SeriesWriter(const SeriesWriter&) = delete;
    SeriesWriter& operator=(const SeriesWriter&) = delete;
    static const char* header() noexcept;
    /// One row: time since start, power per component over the interval, energy totals, CO2, intensity.
    /// Held, and written with the next ROWS_HELD - 1 rows or at flush().
    void append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                double g_per_kwh, const TreeSample& tree) noexcept {
        append(t, interval, totals, co2_kg, g_per_kwh, tree.tree_cpu_s, tree.tree_rss_bytes, tree.pids.size());
    }
    /// The row of one tick.
    void append(const Tick& tick) noexcept {
        append(tick.t, tick.interval_j, tick.total_j, tick.co2_kg, tick.intensity_g_per_kwh, tick.tree_cpu_s,
               tick.tree_rss_bytes, tick.processes);
    }
    void append(double t, const ComponentJoules& interval, const ComponentJoules& totals, double co2_kg,
                double g_per_kwh, double tree_cpu_s, double tree_rss_bytes, std::size_t processes) noexcept;
    /// Writes the rows held. A write that fails (full disk) is cut back to the last whole row, so the file
    /// never ends in a torn line; its rows are counted as lost (failure()) and the next flush tries again.
    void flush() noexcept;
    void close() noexcept;
    const std::filesystem::path& path() const noexcept { return m_path; }
    /// Empty when every row was written; else one sentence: how many rows were lost, over which times, why.
    std::string failure() const;

    static constexpr std::size_t ROWS_HELD = 64;

private:
    struct Row {
        double t, cpu_w, gpu_w, ram_w, cpu_j, gpu_j, ram_j, co2_kg, g_per_kwh, tree_cpu_s, tree_rss_bytes;
        std::size_t processes;
    };
    void write_held() noexcept;

    // Room kept for one row: three fixed-point fields of the largest double take ~315 characters each, the
    // rest ~200 in all, and to_chars is given 400 characters past any field's start.
    static constexpr std::size_t MAX_ROW_CHARS = 2048;
    void write_text(const char* data, std::size_t size, std::size_t rows, double first_t, double last_t) noexcept;

    std::filesystem::path m_path;
    int m_fd = -1;
    std::uint64_t m_size = 0;  // bytes of whole rows written
    std::uint64_t m_lost_rows = 0;
    double m_lost_from = 0, m_lost_to = 0;
    int m_first_errno = 0;
    double m_last_t = 0.0;
    std::array<Row, ROWS_HELD> m_rows{};
    std::size_t m_held = 0;
    std::array<char, 16 * 1024> m_text{};  // formatted rows on their way to the file
};

}  // namespace eco2::detail
