// Adoption of a records file in an older layout (eco2AI's 13 columns, an older eco2's): see adopt_records.
#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "eco2/error.hpp"
#include "writers/record_file.hpp"

namespace eco2::detail {
namespace {

// ---- CSV of a file being adopted: fields kept as raw text (quotes included) so values come back verbatim.

using RawRecord = std::vector<std::string_view>;

std::vector<RawRecord> parse_raw(std::string_view text, const std::filesystem::path& path) {
    std::vector<RawRecord> out;
    std::size_t i = 0;
    while (i < text.size()) {
        RawRecord rec;
        std::size_t start = i;
        bool quoted = false, done = false;
        while (i < text.size() && !done) {
            const char c = text[i];
            if (quoted) {
                if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') ++i;
                else if (c == '"') quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                rec.push_back(text.substr(start, i - start));
                start = i + 1;
            } else if (c == '\n') {
                std::size_t end = i;
                if (end > start && text[end - 1] == '\r') --end;
                rec.push_back(text.substr(start, end - start));
                done = true;
            }
            ++i;
        }
        if (quoted)
            throw Error(Errc::io_error, path.string() +
                                            " ends inside a quoted field (a torn row): repair or move the file "
                                            "away; nothing was written to it");
        if (!done) rec.push_back(text.substr(start, i - start));
        out.push_back(std::move(rec));
    }
    return out;
}

std::string unquote(std::string_view f) {
    if (f.size() < 2 || f.front() != '"' || f.back() != '"') return std::string(f);
    std::string out;
    for (std::size_t i = 1; i + 1 < f.size(); ++i) {
        out += f[i];
        if (f[i] == '"' && f[i + 1] == '"') ++i;
    }
    return out;
}

std::vector<std::string> split_header(std::string_view header) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        std::size_t comma = header.find(',', start);
        out.emplace_back(header.substr(start, comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

[[noreturn]] void throw_other_header(const std::filesystem::path& path, const std::string& why) {
    throw Error(Errc::io_error, path.string() + " is not a records file eco2 can add to (" + why +
                                    "): choose another " + mention("output") +
                                    ", or move the file away; nothing was written to it");
}

// Where each of the file's columns goes in ours; throws when one is unknown or repeated.
std::vector<std::size_t> map_columns(const RawRecord& file_header, const std::vector<std::string>& ours,
                                     const std::filesystem::path& path) {
    std::vector<std::size_t> pos;
    std::vector<bool> seen(ours.size(), false);
    for (auto raw : file_header) {
        std::string name = unquote(raw);
        while (!name.empty() && (name.back() == '\r' || name.back() == ' ')) name.pop_back();
        auto it = std::find(ours.begin(), ours.end(), name);
        if (it == ours.end())
            throw_other_header(path, "its header names a column '" + name.substr(0, 60) +
                                         "' that is none of this eco2's record columns: another tool's CSV, or a "
                                         "newer eco2");
        const auto k = static_cast<std::size_t>(it - ours.begin());
        if (seen[k]) throw_other_header(path, "its header names the column '" + name + "' twice");
        seen[k] = true;
        pos.push_back(k);
    }
    return pos;
}

}  // namespace

Adopted adopt_records(std::string_view content, const std::string& header, const std::filesystem::path& path) {
    // Adopted when every column is one of ours (by name): the header is upgraded and each row mapped to today's
    // columns, its fields copied verbatim.
    if (content.find('\0') != std::string_view::npos) throw_other_header(path, "it holds NUL bytes");
    if (content.empty()) return Adopted{header + "\n", 0, 0, false};
    const std::vector<RawRecord> records = parse_raw(content, path);
    const std::vector<std::string> ours = split_header(header);
    const std::vector<std::size_t> pos = map_columns(records.front(), ours, path);
    Adopted a;
    a.text = header + "\n";
    a.columns = pos.size();
    std::vector<std::string_view> fields(ours.size());
    for (std::size_t r = 1; r < records.size(); ++r) {
        const RawRecord& rec = records[r];
        if (rec.size() == 1 && rec[0].find_first_not_of(" \r") == std::string_view::npos) continue;  // blank
        if (rec.size() > pos.size())
            throw_other_header(path, fmt::format("its row {} has {} fields for {} columns", r + 1, rec.size(),
                                                 pos.size()));
        std::fill(fields.begin(), fields.end(), std::string_view());
        for (std::size_t j = 0; j < rec.size(); ++j) fields[pos[j]] = rec[j];
        // An older eco2's reserved row ends in padding spaces after its last (numeric) column; that column is
        // no longer last, so the padding goes (the value stays).
        std::string_view& tail = fields[pos[rec.size() - 1]];
        while (!tail.empty() && tail.back() == ' ') tail.remove_suffix(1);
        for (std::size_t k = 0; k < fields.size(); ++k) {
            if (k > 0) a.text += ',';
            a.text += fields[k];
        }
        a.text += '\n';
        ++a.rows;
    }
    a.eco2ai = pos.size() == 13 && std::is_sorted(pos.begin(), pos.end()) && pos.back() == 12;
    return a;
}

}  // namespace eco2::detail
