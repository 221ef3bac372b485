#include "report/records_reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "eco2/error.hpp"
#include "writers/csv_writer.hpp"

namespace eco2::detail {
namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double KWH = 3.6e6;  // J
constexpr std::size_t BLOCK = 1 << 20;

using R = RecordRow;
// The writer's columns (CsvWriter::columns(), checked by records_reader_test) and what each fills.
constexpr RecordColumn COLUMNS[] = {
    {"id", &R::id},
    {"project_name", &R::project_name},
    {"experiment_description", &R::experiment_description},
    {"epoch", &R::epoch},
    {"start_time", &R::start_time},
    {"duration(s)", nullptr, &R::duration_s},
    {"power_consumption(kWh)", nullptr, &R::energy_j, KWH},
    {"CO2_emissions(kg)", nullptr, &R::co2_kg},
    {"CPU_name", &R::cpu_name},
    {"GPU_name", &R::gpu_name},
    {"OS", &R::os},
    {"region/country", &R::region},
    {"cost", nullptr, &R::cost},
    {"cpu_energy(kWh)", nullptr, &R::cpu_j, KWH},
    {"gpu_energy(kWh)", nullptr, &R::gpu_j, KWH},
    {"ram_energy(kWh)", nullptr, &R::ram_j, KWH},
    {"intensity(gCO2/kWh)", nullptr, &R::intensity_g_per_kwh},
    {"pue", nullptr, &R::pue},
    {"cpu_source", &R::cpu_source},
    {"gpu_source", &R::gpu_source},
    {"ram_source", &R::ram_source},
    {"location_source", &R::location_source},
    {"scope", &R::scope},
    {"host", &R::host},
    {"estimated", &R::estimated},
    {"epoch_params", &R::epoch_params},
    {"items", nullptr, &R::items},
    {"energy_per_item(J)", nullptr, &R::energy_per_item_j},
    {"error_rate", nullptr, &R::error_rate},
    {"energy_precision_ratio", nullptr, &R::energy_precision_ratio},
    {"flops", nullptr, &R::flops},
    {"flop_per_joule", nullptr, &R::flop_per_joule},
    {"predicted_duration(s)", nullptr, &R::predicted_duration_s},
    {"predicted_energy(kWh)", nullptr, &R::predicted_energy_j, KWH},
    {"predicted_co2(kg)", nullptr, &R::predicted_co2_kg},
    {"status", &R::status},
    {"exit_code", nullptr, &R::exit_code},
    {"read_failures", nullptr, &R::read_failures},
    {"samples", nullptr, &R::samples},
    {"tree_source", &R::tree_source},
    {"left_running", nullptr, &R::left_running},
    {"cpu_time(s)", nullptr, &R::cpu_time_s},
    // distributed jobs (issue 10)
    {"job_id", &R::job_id},
    {"rank", nullptr, &R::rank},
    {"local_rank", nullptr, &R::local_rank},
    {"node_rank", nullptr, &R::node_rank},
    {"world_size", nullptr, &R::world_size},
};

RecordRow blank_row() {
    RecordRow r{};
    for (const RecordColumn& c : COLUMNS)
        if (c.number) r.*c.number = NaN;
    return r;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

// A whole number or decimal; false when `s` is not one (or has text after it).
bool parse_number(std::string_view s, double& out) {
    if (s.empty()) return false;
    const char* const end = s.data() + s.size();
    auto [ptr, ec] = std::from_chars(s.data(), end, out);
    return ec == std::errc() && ptr == end;
}

}  // namespace

std::span<const RecordColumn> record_columns() noexcept {
    return COLUMNS;
}

namespace {

std::unique_ptr<std::istream> open_records(const std::filesystem::path& path) {
    auto in = std::make_unique<std::ifstream>(path, std::ios::binary);
    if (!*in) {
        const int err = errno;
        std::error_code ec;
        const std::string why = std::filesystem::is_directory(path, ec) ? "it is a directory" : std::strerror(err);
        throw Error(Errc::io_error, fmt::format("cannot read {}: {} (give the path of a records file, such as "
                                                "emission.csv)",
                                                path.string(), why));
    }
    return in;
}

}  // namespace

RecordsReader::RecordsReader(const std::filesystem::path& path) : RecordsReader(open_records(path), path.string()) {}

RecordsReader::RecordsReader(std::unique_ptr<std::istream> own, std::string origin)
    : m_own(std::move(own)), m_in(*m_own), m_origin(std::move(origin)) {
    read_header();
}

RecordsReader::RecordsReader(std::istream& in, std::string origin) : m_in(in), m_origin(std::move(origin)) {
    read_header();
}

RecordsReader::~RecordsReader() = default;

void RecordsReader::fail(std::size_t line, const std::string& what) const {
    throw Error(Errc::invalid_argument, fmt::format("{}:{}: {}", m_origin, line, what));
}

bool RecordsReader::fill() {
    // Keeps the unread bytes, moved to the front, and reads after them (the buffer grows for a longer record).
    if (m_pos > 0) {
        std::memmove(m_buf.data(), m_buf.data() + m_pos, m_end - m_pos);
        m_end -= m_pos;
        m_pos = 0;
    }
    if (m_buf.size() < BLOCK) m_buf.resize(BLOCK);
    if (m_end == m_buf.size()) m_buf.resize(m_buf.size() * 2);
    m_in.read(m_buf.data() + m_end, static_cast<std::streamsize>(m_buf.size() - m_end));
    const auto got = static_cast<std::size_t>(m_in.gcount());
    if (got == 0) {
        if (m_in.bad()) fail(m_line, "read error");
        m_eof = true;
    }
    m_end += got;
    return got > 0;
}

bool RecordsReader::next_record() {
    for (;;) {
        if (m_pos == m_end && (m_eof || !fill())) return false;
        m_fields.clear();
        m_scratch.clear();
        if (m_scratch.capacity() < m_buf.size()) m_scratch.reserve(m_buf.size());  // unescaped <= raw: no realloc
        const char* const begin = m_buf.data() + m_pos;
        const char* const end = m_buf.data() + m_end;
        const char* p = begin;
        std::size_t lines = 0;
        bool whole = false, more = false;
        while (!whole) {
            std::string_view field;
            if (p != end && *p == '"') {
                const char* const start = ++p;
                bool escaped = false;
                for (;;) {
                    p = static_cast<const char*>(std::memchr(p, '"', static_cast<std::size_t>(end - p)));
                    if (!p || (p + 1 == end && !m_eof)) break;  // the field goes on past the buffer
                    if (p + 1 != end && p[1] == '"') {
                        escaped = true;
                        p += 2;
                        continue;
                    }
                    break;
                }
                if (!p || (p + 1 == end && !m_eof)) {
                    more = true;
                    if (!p && m_eof) fail(m_line, "a quoted field is left open at the end of the file (a torn row)");
                    break;
                }
                field = std::string_view(start, static_cast<std::size_t>(p - start));
                lines += static_cast<std::size_t>(std::count(field.begin(), field.end(), '\n'));
                if (escaped) {
                    const std::size_t at = m_scratch.size();
                    for (std::size_t i = 0; i < field.size(); ++i) {
                        m_scratch += field[i];
                        if (field[i] == '"') ++i;  // the second quote of ""
                    }
                    field = std::string_view(m_scratch).substr(at);
                }
                ++p;
                while (p != end && (*p == ' ' || *p == '\r')) ++p;
                if (p != end && *p != ',' && *p != '\n')
                    fail(m_line + lines, "text after a closing quote (the row is not valid CSV)");
            } else {
                const char* const start = p;
                while (p != end && *p != ',' && *p != '\n') ++p;
                field = std::string_view(start, static_cast<std::size_t>(p - start));
                if (!field.empty() && field.back() == '\r' && (p == end || *p == '\n')) field.remove_suffix(1);
            }
            if (p == end && !m_eof) {
                more = true;
                break;
            }
            m_fields.push_back(field);
            if (p == end || *p++ == '\n') whole = true;
        }
        if (more) {
            fill();  // the record goes on past the buffer: read more (or learn that it ends) and cut it again
            continue;
        }
        m_record_line = m_line;
        m_line += lines + (p != begin && p[-1] == '\n' ? 1 : 0);
        m_pos = static_cast<std::size_t>(p - m_buf.data());
        if (m_fields.size() == 1 && trim(m_fields[0]).empty()) continue;  // a blank line
        return true;
    }
}

void RecordsReader::read_header() {
    if (!next_record())
        throw Error(Errc::invalid_argument,
                    fmt::format("{} is empty: no header, no rows (a records file eco2 or eco2AI wrote?)", m_origin));
    const std::vector<std::string_view>& ours = CsvWriter::columns();
    bool all_known = true;
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        std::string_view name = trim(m_fields[i]);
        if (i == 0 && name.starts_with("\xEF\xBB\xBF")) name.remove_prefix(3);  // a byte-order mark
        m_header.emplace_back(name);
        auto it = std::find_if(std::begin(COLUMNS), std::end(COLUMNS),
                               [&](const RecordColumn& c) { return c.name == name; });
        m_map.push_back(it == std::end(COLUMNS) ? nullptr : &*it);
        if (it == std::end(COLUMNS)) m_unknown.emplace_back(name);
        if (std::find(ours.begin(), ours.end(), name) == ours.end()) all_known = false;
    }
    if (!has_column("id") && !has_column("CO2_emissions(kg)"))
        throw Error(Errc::invalid_argument,
                    fmt::format("{} is not a records file: its header ({}) has neither 'id' nor "
                                "'CO2_emissions(kg)'; give a file eco2 or eco2AI wrote (emission.csv)",
                                m_origin, m_fields.empty() ? "" : std::string(m_fields[0].substr(0, 60))));
    const bool same_as_ours = std::equal(m_header.begin(), m_header.end(), ours.begin(), ours.end());
    const bool first_13 = m_header.size() == 13 && std::equal(m_header.begin(), m_header.end(), ours.begin());
    m_layout = same_as_ours ? RecordLayout::current
               : !all_known ? RecordLayout::newer
               : first_13   ? RecordLayout::eco2ai
                            : RecordLayout::older;
}

bool RecordsReader::has_column(std::string_view name) const noexcept {
    return std::find(m_header.begin(), m_header.end(), name) != m_header.end();
}

bool RecordsReader::next(RecordRow& row) {
    static const RecordRow BLANK = blank_row();
    if (!next_record()) return false;
    if (m_fields.size() > m_map.size())
        fail(m_record_line, fmt::format("the row has {} fields for {} columns in the header (repair the row, or "
                                        "move the file away)",
                                        m_fields.size(), m_map.size()));
    row = BLANK;
    row.line = m_record_line;
    for (std::size_t i = 0; i < m_fields.size(); ++i) {
        const RecordColumn* c = m_map[i];
        if (!c) continue;
        if (c->text) {
            row.*c->text = m_fields[i];
            continue;
        }
        const std::string_view cell = trim(m_fields[i]);  // a reserved row pads its last number with spaces
        if (cell.empty()) continue;
        double v = 0;
        if (!parse_number(cell, v))
            fail(m_record_line, fmt::format("column '{}' holds '{}', which is not a number (repair the row, or "
                                            "move the file away)",
                                            c->name, cell.substr(0, 40)));
        row.*c->number = v * c->scale;
    }
    return true;
}

// ---- epoch parameters

namespace {

void skip_ws(std::string_view s, std::size_t& i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
}

// A JSON string starting at s[i] == '"': its content, escapes kept. False when it is not closed.
bool json_string(std::string_view s, std::size_t& i, std::string_view& out) {
    const std::size_t start = ++i;
    while (i < s.size() && s[i] != '"') i += s[i] == '\\' ? 2 : 1;
    if (i >= s.size()) return false;
    out = s.substr(start, i - start);
    ++i;
    return true;
}

void json_params(std::string_view s, std::vector<EpochParam>& out) {
    std::size_t i = 0;
    skip_ws(s, i);
    if (i >= s.size() || s[i++] != '{') return;
    for (;;) {
        skip_ws(s, i);
        if (i >= s.size() || s[i] != '"') return;
        EpochParam p{{}, NaN, {}};
        if (!json_string(s, i, p.key)) return;
        skip_ws(s, i);
        if (i >= s.size() || s[i++] != ':') return;
        skip_ws(s, i);
        if (i >= s.size()) return;
        if (s[i] == '"') {
            if (!json_string(s, i, p.text)) return;
        } else {
            const std::size_t start = i;
            while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ' ') ++i;
            const std::string_view v = s.substr(start, i - start);
            if (!parse_number(v, p.number)) p.text = v;  // true, false, null
            if (v.starts_with('{') || v.starts_with('[')) return;  // nested: not an epoch mark's
        }
        out.push_back(p);
        skip_ws(s, i);
        if (i >= s.size() || s[i] != ',') return;
        ++i;
    }
}

// eco2AI's "epoch: 3, loss: 0.31".
void text_params(std::string_view s, std::vector<EpochParam>& out) {
    while (!s.empty()) {
        const std::size_t comma = s.find(", ");
        const std::string_view item = s.substr(0, comma);
        s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 2);
        const std::size_t colon = item.find(": ");
        if (colon == std::string_view::npos) return;
        EpochParam p{trim(item.substr(0, colon)), NaN, {}};
        const std::string_view v = trim(item.substr(colon + 2));
        if (!parse_number(v, p.number)) p.text = v;
        out.push_back(p);
    }
}

}  // namespace

void epoch_params(const RecordRow& row, std::vector<EpochParam>& out) {
    out.clear();
    if (!trim(row.epoch_params).empty()) return json_params(row.epoch_params, out);
    if (row.epoch.starts_with("epoch: ")) text_params(row.epoch, out);
}

int epoch_number(const RecordRow& row) {
    std::string_view text;
    if (const std::size_t at = row.epoch_params.find("\"epoch\":"); at != std::string_view::npos)
        text = row.epoch_params.substr(at + 8);
    else if (row.epoch.starts_with("epoch: "))
        text = row.epoch.substr(7);
    text = trim(text);
    int n = 0;
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n > 0 ? n : 0;
}

}  // namespace eco2::detail
