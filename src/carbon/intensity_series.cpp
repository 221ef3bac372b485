#include "carbon/intensity_series.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>

#include "carbon/csv.hpp"
#include "eco2/error.hpp"
#include "sys/text.hpp"

namespace eco2::carbon {
namespace {

using sys::lower;
using sys::trim;

using namespace std::chrono;

// system_clock counts nanoseconds in 64 bits: 1677-09-21 .. 2262-04-11. Times are built in whole seconds
// first and checked against that range, so that 2300-01-01 is refused rather than wrapped to 1715.
constexpr long long MAX_SECONDS = std::chrono::floor<std::chrono::seconds>(SysTime::max()).time_since_epoch().count();
constexpr long long MIN_SECONDS = std::chrono::ceil<std::chrono::seconds>(SysTime::min()).time_since_epoch().count();

std::optional<SysTime> from_seconds(long long secs, double fraction) {
    if (secs >= MAX_SECONDS || secs <= MIN_SECONDS) return std::nullopt;
    return SysTime(std::chrono::seconds{secs}) +
           std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(fraction));
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads exactly n digits at s[pos] into out.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(s[pos + i])) return false;
        out = out * 10 + (s[pos + i] - '0');
    }
    pos += n;
    return true;
}

std::optional<SysTime> parse_unix(std::string_view s) {
    // Whole seconds and the fraction apart: a double would lose the nanoseconds of today's timestamps.
    const auto dot = s.find('.');
    const std::string_view whole = s.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    const auto all_digits = [](std::string_view d) { return std::all_of(d.begin(), d.end(), is_digit); };
    if (whole.empty() || !all_digits(whole) || !all_digits(frac) ||
        (dot != std::string_view::npos && frac.empty()))
        return std::nullopt;
    long long secs = 0;
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), secs);
    if (ec != std::errc{} || p != whole.data() + whole.size()) return std::nullopt;
    double fraction = 0.0;
    if (!frac.empty()) {
        const std::string text = "0." + std::string(frac);
        std::from_chars(text.data(), text.data() + text.size(), fraction);
    }
    return from_seconds(secs, fraction);
}

std::optional<SysTime> parse_iso(std::string_view s) {
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0;
    if (!digits(s, pos, 4, y) || pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, mo) ||
        pos >= s.size() || s[pos++] != '-' || !digits(s, pos, 2, d))
        return std::nullopt;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    long long t = sys_seconds{sys_days{ymd}}.time_since_epoch().count();  // seconds: no overflow until year 2^31
    if (pos == s.size()) return from_seconds(t, 0.0);
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    int h = 0, mi = 0, sec = 0;
    if (!digits(s, pos, 2, h) || pos >= s.size() || s[pos++] != ':' || !digits(s, pos, 2, mi))
        return std::nullopt;
    if (h > 23 || mi > 59) return std::nullopt;
    double fraction = 0.0;
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!digits(s, pos, 2, sec) || sec > 59) return std::nullopt;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            const std::size_t begin = pos + 1;
            std::size_t end = begin;
            while (end < s.size() && is_digit(s[end])) ++end;
            if (end == begin) return std::nullopt;
            std::string frac = "0." + std::string(s.substr(begin, end - begin));
            std::from_chars(frac.data(), frac.data() + frac.size(), fraction);
            pos = end;
        }
    }
    t += h * 3600LL + mi * 60LL + sec;
    if (pos == s.size()) return from_seconds(t, fraction);  // no offset: UTC (documented)
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return from_seconds(t, fraction);
    if (s[pos] != '+' && s[pos] != '-') return std::nullopt;
    const int sign = s[pos] == '+' ? 1 : -1;
    ++pos;
    int oh = 0, om = 0;
    if (!digits(s, pos, 2, oh)) return std::nullopt;
    if (pos < s.size()) {
        if (s[pos] == ':') ++pos;
        if (!digits(s, pos, 2, om)) return std::nullopt;
    }
    if (pos != s.size() || oh > 23 || om > 59) return std::nullopt;
    return from_seconds(t - sign * (oh * 3600LL + om * 60LL), fraction);  // local = UTC + offset
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

std::optional<SysTime> parse_timestamp(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    if (text.size() >= 5 && text[4] == '-') return parse_iso(text);
    return parse_unix(text);
}

std::string format_utc(SysTime t) {
    const std::time_t tt = system_clock::to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

IntensitySeries::IntensitySeries(std::vector<SeriesPoint> points, std::string origin, std::string region)
    : m_points(std::move(points)), m_origin(std::move(origin)), m_region(std::move(region)) {}

std::shared_ptr<const IntensitySeries> IntensitySeries::parse(std::string_view text, std::string origin,
                                                              std::string region) {
    std::vector<CsvRecord> records = parse_csv(text, origin);
    const auto bad = [&](std::size_t line, std::string_view what) {
        return Error(Errc::invalid_argument, fmt::format("{}:{}: {}", origin, line, what));
    };
    std::erase_if(records, [](const CsvRecord& r) { return trim(r.fields[0]).starts_with('#'); });
    if (records.empty())
        throw Error(
            Errc::invalid_argument,
            fmt::format("{}: no data: expected lines of timestamp,gCO2/kWh (e.g. 2024-05-01T13:00Z,56)",
                        origin));

    std::size_t time_col = 0, value_col = 1;
    std::size_t first = 0;
    if (!parse_timestamp(records.front().fields[0])) {
        // A header: find the columns by name.
        const CsvRecord& header = records.front();
        std::optional<std::size_t> t, v, v_lca;
        for (std::size_t i = 0; i < header.fields.size(); ++i) {
            const std::string name = lower(header.fields[i]);
            if (!t && (contains(name, "time") || contains(name, "date"))) t = i;
            const bool intensity =
                contains(name, "intensity") || contains(name, "gco2") || contains(name, "co2");
            if (intensity && !v) v = i;
            if (intensity && !v_lca &&
                (contains(name, "lca") || contains(name, "life cycle") || contains(name, "life-cycle")))
                v_lca = i;
        }
        if (!t)
            throw bad(header.line,
                      fmt::format("no timestamp column in the header ({}): name one \"timestamp\"",
                                  fmt::join(header.fields, ",")));
        if (!v_lca && !v)
            throw bad(header.line, fmt::format("no carbon-intensity column in the header ({}): name one "
                                               "\"gCO2/kWh\" or \"carbon intensity\"",
                                               fmt::join(header.fields, ",")));
        time_col = *t;
        value_col = v_lca ? *v_lca : *v;
        first = 1;
    } else if (records.front().fields.size() != 2) {
        throw bad(
            records.front().line,
            fmt::format("{} fields without a header: expected timestamp,gCO2/kWh, or a header naming the "
                        "columns",
                        records.front().fields.size()));
    }

    std::vector<SeriesPoint> points;
    for (std::size_t i = first; i < records.size(); ++i) {
        const CsvRecord& r = records[i];
        if (r.fields.size() <= std::max(time_col, value_col))
            throw bad(r.line, fmt::format("{} fields, expected at least {}", r.fields.size(),
                                          std::max(time_col, value_col) + 1));
        const std::string_view ts = trim(r.fields[time_col]);
        const auto t = parse_timestamp(ts);
        if (!t)
            throw bad(r.line,
                      fmt::format("\"{}\" is not a timestamp (ISO 8601 such as 2024-05-01T13:00:00Z or "
                                  "2024-05-01 13:00+02:00, or unix seconds; from 1678 to 2262-04-11)",
                                  ts));
        const std::string_view vs = trim(r.fields[value_col]);
        double g = 0.0;
        auto [p, ec] = std::from_chars(vs.data(), vs.data() + vs.size(), g);
        if (vs.empty() || ec != std::errc{} || p != vs.data() + vs.size() || !std::isfinite(g) || g < 0.0)
            throw bad(
                r.line,
                fmt::format("\"{}\" is not a carbon intensity >= 0 (gCO2/kWh, '.' as decimal point)", vs));
        if (!points.empty() && *t <= points.back().t)
            throw bad(r.line,
                      fmt::format("{} is not after {} (line {}): the points must be in increasing time order",
                                  format_utc(*t), format_utc(points.back().t), points.back().line));
        points.push_back({*t, g, r.line});
    }
    if (points.empty()) throw bad(records.front().line, "a header but no data");
    return std::make_shared<IntensitySeries>(std::move(points), std::move(origin), std::move(region));
}

std::shared_ptr<const IntensitySeries> IntensitySeries::load(const std::filesystem::path& file,
                                                             std::string region) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::io_error, fmt::format("cannot read intensity series {}", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), file.string(), std::move(region));
}

double IntensitySeries::at(SysTime t) const noexcept {
    auto it = std::upper_bound(m_points.begin(), m_points.end(), t,
                               [](SysTime x, const SeriesPoint& p) { return x < p.t; });
    if (it == m_points.begin()) return m_points.front().g_per_kwh;
    return std::prev(it)->g_per_kwh;
}

std::string IntensitySeries::source() const {
    return fmt::format("intensity series {} ({} point{}, {} to {})", m_origin, m_points.size(),
                       m_points.size() == 1 ? "" : "s", format_utc(m_points.front().t),
                       format_utc(m_points.back().t));
}

std::vector<std::string> IntensitySeries::coverage_warnings(SysTime start, SysTime end) const {
    std::vector<std::string> out;
    const SeriesPoint& f = m_points.front();
    if (start < f.t)
        out.push_back(
            fmt::format("the run started before the first point of the intensity series ({} at {}, line "
                        "{}): its value {:g} gCO2/kWh was used until then",
                        format_utc(f.t), m_origin, f.line, f.g_per_kwh));
    if (m_points.size() >= 2) {
        std::vector<system_clock::duration> gaps;
        for (std::size_t i = 1; i < m_points.size(); ++i) gaps.push_back(m_points[i].t - m_points[i - 1].t);
        std::nth_element(gaps.begin(), gaps.begin() + static_cast<long>(gaps.size() / 2), gaps.end());
        const auto step = gaps[gaps.size() / 2];
        const SeriesPoint& l = m_points.back();
        if (end > l.t + step)
            out.push_back(
                fmt::format("the run went on after the intensity series ends (last point {} at {}, "
                            "line {}): its value {:g} gCO2/kWh was used after then",
                            format_utc(l.t), m_origin, l.line, l.g_per_kwh));
    }
    return out;
}

}  // namespace eco2::carbon
