#pragma once
// Streams the rows of a records file (docs/records.md) by header name: this eco2's columns, eco2AI's 13
// columns, an older eco2's column list, or a newer eco2's (columns it does not know are skipped). The names it
// knows are the writer's own (CsvWriter::columns()), so a column added to the writer is read without a second
// list to keep in step (a unit test checks that each one fills a field here).
//
// Flat memory: the file is read in blocks; a row's text fields view the current block, and nothing is
// allocated per row once the buffers have grown to the largest row (a quoted field with "" inside is unescaped
// into a scratch buffer reserved for the row). Numbers are parsed with std::from_chars, locale-independent.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace eco2::detail {

/// One row, in SI units (J, s, kg) except the intensity (gCO2/kWh, as everywhere in eco2). A number is NaN when
/// its cell is empty or its column is not in the file (eco2AI's files have no per-component energy); a text is
/// empty then. Text fields view the reader's buffers: valid until the next call to RecordsReader::next().
struct RecordRow {
    std::string_view id, project_name, experiment_description, epoch, start_time, cpu_name, gpu_name, os, region;
    std::string_view cpu_source, gpu_source, ram_source, location_source, scope, host, estimated, epoch_params;
    std::string_view status, tree_source, job_id;
    double duration_s, energy_j, co2_kg, cost;  ///< energy_j: facility energy (power_consumption(kWh) x 3.6e6)
    double cpu_j, gpu_j, ram_j;                 ///< IT energy per component
    double intensity_g_per_kwh, pue;
    double items, energy_per_item_j, error_rate, energy_precision_ratio, flops, flop_per_joule;
    double predicted_duration_s, predicted_energy_j, predicted_co2_kg;
    double exit_code, read_failures, samples, left_running, cpu_time_s;
    double rank, local_rank, node_rank, world_size;  ///< distributed jobs (NaN outside one)
    std::size_t line = 0;                            ///< 1-based line of the file the row starts on

    /// True when the estimated column says "true".
    bool is_estimated() const noexcept { return estimated == "true"; }
};

/// How a row's column is filled: its header name, the member, and the factor from the file's unit to the
/// member's (kWh -> J: 3.6e6).
struct RecordColumn {
    std::string_view name;
    std::string_view RecordRow::*text = nullptr;
    double RecordRow::*number = nullptr;
    double scale = 1.0;
};
/// Every column the reader fills, this eco2's and the distributed-job columns.
std::span<const RecordColumn> record_columns() noexcept;

/// The layout a file was written in, told by its header.
enum class RecordLayout {
    current,  ///< this eco2's columns, in order
    eco2ai,   ///< eco2AI's 13 columns
    older,    ///< a subset of this eco2's columns (an older eco2)
    newer,    ///< holds columns this eco2 does not know (skipped)
};

class RecordsReader {
public:
    /// Reads `in` (kept by reference: it must outlive the reader); `origin` names it in messages. Reads the
    /// header at once. Throws eco2::Error(invalid_argument) naming the file and the fix when it is empty, or its
    /// header has neither `id` nor `CO2_emissions(kg)` (not a records file).
    RecordsReader(std::istream& in, std::string origin);
    /// Opens and reads `path`. Throws eco2::Error(io_error) when it cannot be opened, else as above.
    explicit RecordsReader(const std::filesystem::path& path);
    ~RecordsReader();
    RecordsReader(const RecordsReader&) = delete;
    RecordsReader& operator=(const RecordsReader&) = delete;

    /// Fills `row` with the next row; false at the end. Blank lines are skipped; missing trailing fields read
    /// as empty. Throws eco2::Error(invalid_argument) "<origin>:<line>: ..." on a number column holding text,
    /// a row with more fields than the header, or a quote left open at the end of the file (a torn row).
    bool next(RecordRow& row);

    RecordLayout layout() const noexcept { return m_layout; }
    /// The header's column names, as in the file.
    const std::vector<std::string>& header() const noexcept { return m_header; }
    /// Columns of the header this reader does not know (skipped).
    const std::vector<std::string>& unknown_columns() const noexcept { return m_unknown; }
    /// True when the file has the column `name`.
    bool has_column(std::string_view name) const noexcept;
    const std::string& origin() const noexcept { return m_origin; }

private:
    RecordsReader(std::unique_ptr<std::istream> own, std::string origin);
    void read_header();
    /// Cuts the next record into m_fields (views); false at the end of the input.
    bool next_record();
    /// Makes sure m_buf[m_pos..] holds a whole record (or the end of the input); false when nothing is left.
    bool fill();
    [[noreturn]] void fail(std::size_t line, const std::string& what) const;

    std::unique_ptr<std::istream> m_own;  // when opened from a path
    std::istream& m_in;
    std::string m_origin;
    std::vector<char> m_buf;
    std::size_t m_pos = 0, m_end = 0;  // unread bytes: m_buf[m_pos, m_end)
    bool m_eof = false;
    std::size_t m_line = 1;  // line of m_buf[m_pos]
    std::size_t m_record_line = 0;
    std::vector<std::string_view> m_fields;
    std::string m_scratch;                     // unescaped quoted fields of the current record
    std::vector<const RecordColumn*> m_map;    // per file column: what it fills (nullptr: skipped)
    std::vector<std::string> m_header, m_unknown;
    RecordLayout m_layout = RecordLayout::current;
};

/// One parameter of an epoch: its key and its value, a number (text empty) or a text (number NaN). Views the
/// text it was parsed from.
struct EpochParam {
    std::string_view key;
    double number;
    std::string_view text;
};

/// The parameters of a row's epoch into `out` (cleared first; its capacity is reused): from `epoch_params`
/// (eco2's JSON object, `{"epoch":3,"loss":0.31}`) when set, else from eco2AI's epoch text
/// (`epoch: 3, loss: 0.31`). Nothing for `N/A` or a text neither form. Strings with escapes keep them (JSON's
/// \" is left as is). Never throws on bad text: what cannot be read is left out.
void epoch_params(const RecordRow& row, std::vector<EpochParam>& out);

/// The row's epoch number (1-based), 0 outside training mode.
int epoch_number(const RecordRow& row);

}  // namespace eco2::detail
