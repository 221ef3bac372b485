#include "carbon/csv.hpp"

#include <fmt/format.h>

#include "eco2/error.hpp"

namespace eco2::carbon {
namespace {

// The text of a quoted field without its quotes, "" read as one quote.
std::string unescape(std::string_view quoted) {
    std::string out;
    out.reserve(quoted.size());
    for (std::size_t i = 0; i < quoted.size(); ++i) {
        out += quoted[i];
        if (quoted[i] == '"') ++i;  // the second quote of ""
    }
    return out;
}

}  // namespace

CsvTable::CsvTable(std::string_view text, std::string_view origin) {
    const auto error = [&](std::size_t at, std::string_view what) {
        return Error(Errc::invalid_argument, fmt::format("{}:{}: {}", origin, at, what));
    };
    const char* p = text.data();
    const char* const end = p + text.size();
    std::size_t line = 1;
    while (p != end) {
        const std::size_t record_line = line;
        const std::size_t first = m_fields.size();
        while (true) {
            std::string_view field;
            if (p != end && *p == '"') {
                const std::size_t quote_line = line;
                const char* const start = ++p;
                bool escaped = false;
                while (true) {
                    if (p == end) throw error(quote_line, "unterminated quoted field");
                    if (*p == '"') {
                        if (p + 1 != end && p[1] == '"') {
                            escaped = true;
                            p += 2;
                            continue;
                        }
                        break;
                    }
                    if (*p == '\n') ++line;
                    ++p;
                }
                field = std::string_view(start, p);
                if (escaped) field = m_unescaped.emplace_back(unescape(field));
                ++p;  // the closing quote
                if (p != end && *p == '\r') ++p;
                if (p != end && *p != ',' && *p != '\n') throw error(line, "text after a closing quote");
            } else {
                const char* const start = p;
                while (p != end && *p != ',' && *p != '\n') ++p;
                field = std::string_view(start, p);
                if (!field.empty() && field.back() == '\r' && (p == end || *p == '\n'))
                    field.remove_suffix(1);
            }
            m_fields.push_back(field);
            if (p == end) break;
            if (*p++ == '\n') {
                ++line;
                break;
            }
        }
        const std::size_t count = m_fields.size() - first;
        if (count == 1 && m_fields.back().empty()) {  // a blank line
            m_fields.pop_back();
            continue;
        }
        m_records.push_back({record_line, first, count});
    }
}

std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view origin) {
    const CsvTable table(text, origin);
    std::vector<CsvRecord> records;
    records.reserve(table.size());
    for (std::size_t i = 0; i < table.size(); ++i) {
        const auto fields = table.fields(i);
        records.push_back({table.line(i), {fields.begin(), fields.end()}});
    }
    return records;
}

}  // namespace eco2::carbon
