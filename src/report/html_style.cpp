#include "report/html_style.hpp"

namespace eco2::detail {

std::string_view report_css() noexcept {
    // System font stacks only: a web font would be a download or a large inline blob.
    return R"css(
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg-alt: #f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       margin: 0 auto; max-width: 1100px; padding: 16px 24px; }
h1 { font-size: 24px; margin: 8px 0; } h2 { font-size: 19px; margin: 20px 0 8px; } h3 { font-size: 15px; margin: 14px 0 6px; }
code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
.files, .note, footer { color: var(--muted); }
.totals { font-size: 16px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: right; white-space: nowrap; }
th { background: var(--bg-alt); position: sticky; top: 0; }
td:nth-child(-n+4), th:nth-child(-n+4) { text-align: left; }
table.facts td, table.facts th { text-align: left; white-space: normal; }
.table-wrap { max-height: 480px; overflow: auto; max-width: 100%; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; border: 1px solid var(--line); }
.badge.measured { background: #dafbe1; } .badge.estimated { background: #fff1c1; }
.badge.partly { background: #fde2c8; }
.run { border-top: 2px solid var(--line); margin-top: 24px; content-visibility: auto; contain-intrinsic-size: auto 1200px; }
.charts { display: flex; flex-wrap: wrap; gap: 8px; }
svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 4px; max-width: 100%; height: auto; }
svg.chart .title { font-size: 13px; font-weight: 600; fill: var(--fg); }
svg.chart .tick, svg.chart .legend { font-size: 11px; fill: var(--muted); }
svg.chart .label { font-size: 12px; fill: var(--fg); }
svg.chart .grid { stroke: #eaeef2; } svg.chart .axis { stroke: #8c959f; }
svg.chart polyline { stroke-width: 1.5; stroke-linejoin: round; }
svg.chart circle { fill-opacity: 0.75; } svg.chart circle.pareto { stroke: #000; stroke-width: 1.5; }
footer { border-top: 1px solid var(--line); margin-top: 24px; padding-top: 8px; font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  .run { break-before: page; content-visibility: visible; border: none; }
  .table-wrap { max-height: none; overflow: visible; }
  th { position: static; }
  @page { size: A4; margin: 12mm; }
  .charts { gap: 2px; }
  svg.chart { break-inside: avoid; border: none; width: 49%; height: auto; }
  table.facts { font-size: 10px; } table.facts th, table.facts td { padding: 1px 6px; }
  a { color: inherit; text-decoration: none; }
}
)css";
}

std::string_view report_script() noexcept {
    return R"js(
(function () {
  var errors = [];
  function show() {
    var root = document.documentElement;
    root.setAttribute('data-errors', String(errors.length));
    if (errors.length) root.setAttribute('data-error-text', errors.join(' | '));
  }
  window.addEventListener('error', function (e) {
    var t = e.target, what = t && t !== window ? 'failed to load ' + (t.src || t.href || t.tagName) : e.message;
    errors.push(String(what)); show();
  }, true);
  window.addEventListener('unhandledrejection', function (e) { errors.push(String(e.reason)); show(); });
  document.addEventListener('securitypolicyviolation', function (e) {
    errors.push('blocked ' + e.blockedURI); show();
  });
  document.addEventListener('DOMContentLoaded', function () {
    document.documentElement.setAttribute('data-charts', String(document.querySelectorAll('svg.chart').length));
    show();
  });
})();
)js";
}

}  // namespace eco2::detail
