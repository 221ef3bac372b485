#pragma once
// A plain-text table for terminals: columns padded to their widest cell (counted in UTF-8 characters, so that
// "µg" lines up), text left-aligned, numbers right-aligned. Shared by `eco2 summary`, `eco2 compare` and the
// end-of-run summary.

#include <string>
#include <vector>

namespace eco2::detail {

class TextTable {
public:
    /// `right`: per column, whether it is right-aligned (numbers); missing entries are left-aligned.
    TextTable(std::vector<std::string> header, std::vector<bool> right);
    void add(std::vector<std::string> row);
    /// A line of dashes under the rows so far (before a total).
    void rule();
    /// The table, each line indented by `indent` and ended by '\n'; trailing spaces cut.
    std::string str(const std::string& indent = "") const;

private:
    std::vector<std::vector<std::string>> m_rows;  // header first; an empty row is a rule
    std::vector<bool> m_right;
};

/// Characters (UTF-8 code points) in s.
std::size_t text_width(const std::string& s) noexcept;

}  // namespace eco2::detail
