#pragma once
// The report's inline style sheet and its one script (html_style.cpp).

#include <string_view>

namespace eco2::detail {

/// CSS for screen and print (@media print: one run per page, no navigation).
std::string_view report_css() noexcept;
/// A few lines of JavaScript that record any error on the page (a script error, a resource the page tried to
/// load) into <html data-errors=N data-error-text=...> and the number of charts into data-charts, so a headless
/// browser's DOM dump shows whether the report rendered cleanly. The report needs no script to display.
std::string_view report_script() noexcept;

}  // namespace eco2::detail
