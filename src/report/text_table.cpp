#include "report/text_table.hpp"

#include <algorithm>

namespace eco2::detail {

std::size_t text_width(const std::string& s) noexcept {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> right) : m_right(std::move(right)) {
    m_rows.push_back(std::move(header));
}

void TextTable::add(std::vector<std::string> row) {
    m_rows.push_back(std::move(row));
}

void TextTable::rule() {
    m_rows.emplace_back();
}

std::string TextTable::str(const std::string& indent) const {
    std::vector<std::size_t> width;
    for (const auto& row : m_rows)
        for (std::size_t k = 0; k < row.size(); ++k) {
            if (width.size() <= k) width.push_back(0);
            width[k] = std::max(width[k], text_width(row[k]));
        }
    std::size_t total = 0;
    for (std::size_t w : width) total += w + 2;
    std::string out;
    for (const auto& row : m_rows) {
        std::string line = indent;
        if (row.empty()) line.append(total > 2 ? total - 2 : 0, '-');
        for (std::size_t k = 0; k < row.size(); ++k) {
            const std::size_t pad = width[k] - text_width(row[k]);
            const bool right = k < m_right.size() && m_right[k];
            if (right) line.append(pad, ' ');
            line += row[k];
            if (!right) line.append(pad, ' ');
            if (k + 1 < row.size()) line += "  ";
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line;
        out += '\n';
    }
    return out;
}

}  // namespace eco2::detail
