#include "carbon/csv.hpp"

#include <fmt/format.h>

#include "eco2/error.hpp"

namespace eco2::carbon {

std::vector<CsvRecord> parse_csv(std::string_view text, std::string_view origin) {
    std::vector<CsvRecord> records;
    std::size_t line = 1;
    std::size_t i = 0;
    const auto error = [&](std::size_t at, std::string_view what) {
        return Error(Errc::invalid_argument, fmt::format("{}:{}: {}", origin, at, what));
    };
    while (i < text.size()) {
        CsvRecord rec;
        rec.line = line;
        std::string field;
        bool record_done = false;
        while (!record_done) {
            field.clear();
            if (i < text.size() && text[i] == '"') {
                const std::size_t quote_line = line;
                ++i;
                while (true) {
                    if (i >= text.size()) throw error(quote_line, "unterminated quoted field");
                    const char c = text[i++];
                    if (c == '"') {
                        if (i < text.size() && text[i] == '"') {
                            field += '"';
                            ++i;
                        } else {
                            break;
                        }
                    } else {
                        if (c == '\n') ++line;
                        field += c;
                    }
                }
                if (i < text.size() && text[i] == '\r') ++i;
                if (i < text.size() && text[i] != ',' && text[i] != '\n')
                    throw error(line, "text after a closing quote");
            } else {
                while (i < text.size() && text[i] != ',' && text[i] != '\n') field += text[i++];
                if (!field.empty() && field.back() == '\r' && (i >= text.size() || text[i] == '\n'))
                    field.pop_back();
            }
            rec.fields.push_back(field);
            if (i < text.size() && text[i] == ',') {
                ++i;
            } else {
                if (i < text.size()) {  // the '\n'
                    ++i;
                    ++line;
                }
                record_done = true;
            }
        }
        const bool blank = rec.fields.size() == 1 && rec.fields[0].empty();
        if (!blank) records.push_back(std::move(rec));
    }
    return records;
}

}  // namespace eco2::carbon
