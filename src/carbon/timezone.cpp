#include "carbon/timezone.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "carbon/csv.hpp"
#include "carbon/zone_data.hpp"
#include "sys/system_context.hpp"

namespace eco2::carbon {
namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

std::optional<std::string> read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// The zone name in a path into a zoneinfo tree: "/usr/share/zoneinfo/posix/Europe/Oslo" -> "Europe/Oslo".
std::optional<std::string> name_in_zoneinfo(std::string_view path) {
    const auto at = path.rfind("zoneinfo/");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view name = path.substr(at + 9);
    for (std::string_view prefix : {"posix/", "right/"})
        if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
    if (name.empty()) return std::nullopt;
    return std::string(name);
}

bool is_posix_rule(std::string_view tz) {
    return tz.find('/') == std::string_view::npos &&
           std::any_of(tz.begin(), tz.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Subdivision {
    std::string code, suffix, zone;
    std::vector<std::string> names;
};

std::vector<Subdivision> subdivisions_of(std::string_view country) {
    std::vector<Subdivision> out;
    for (const EmbeddedFile& f : embedded_data_files()) {
        if (f.name != "subdivisions.csv") continue;
        // Columns (checked by the zone database at load): code,country,name,aliases,zone,match,candidates.
        bool header = true;
        for (const CsvRecord& r : parse_csv(f.content, "data/subdivisions.csv")) {
            if (header || r.fields.size() < 5 || r.fields[1] != country) {
                header = false;
                continue;
            }
            Subdivision s;
            s.code = r.fields[0];
            s.suffix = s.code.substr(std::min(s.code.size(), country.size() + 1));
            s.zone = r.fields[4];
            s.names.push_back(r.fields[2]);
            std::string_view aliases = r.fields[3];
            while (!aliases.empty()) {
                const auto bar = aliases.find('|');
                if (bar != 0) s.names.emplace_back(aliases.substr(0, bar));
                if (bar == std::string_view::npos) break;
                aliases.remove_prefix(bar + 1);
            }
            out.push_back(std::move(s));
        }
    }
    return out;
}

// Whether what follows position `end` in the comment is a parenthesised qualifier that limits the match to a
// part of the subdivision: "BC(E)", "ID (south)". "(most areas)" is the main zone of the subdivision, not a
// part.
bool qualified_at(std::string_view comment, std::size_t end) {
    while (end < comment.size() && comment[end] == ' ') ++end;
    if (end >= comment.size() || comment[end] != '(') return false;
    const auto close = comment.find(')', end);
    const std::string_view inside =
        comment.substr(end + 1, close == std::string_view::npos ? std::string_view::npos : close - end - 1);
    return inside != "most areas";
}

// Finds needle in hay as whole words; returns the end of the first match.
std::optional<std::size_t> find_words(std::string_view hay, std::string_view needle, bool case_sensitive) {
    if (needle.empty() || needle.size() > hay.size()) return std::nullopt;
    for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
        bool same = true;
        for (std::size_t k = 0; k < needle.size() && same; ++k)
            same = case_sensitive ? hay[i + k] == needle[k] : lower(hay[i + k]) == lower(needle[k]);
        if (!same) continue;
        const bool left = i == 0 || !alnum(hay[i - 1]);
        const bool right = i + needle.size() == hay.size() || !alnum(hay[i + needle.size()]);
        if (left && right) return i + needle.size();
    }
    return std::nullopt;
}

const ZoneTabRow* find_row(const std::vector<ZoneTabRow>& rows, std::string_view name) {
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const ZoneTabRow& r) { return r.time_zone == name; });
    return it == rows.end() ? nullptr : &*it;
}

}  // namespace

TimeZoneSystem TimeZoneSystem::from_environment() {
    TimeZoneSystem s;
    const sys::Environment env = sys::Environment::capture();
    s.tz = env.get("TZ");
    if (std::optional<std::string> dir = env.non_empty("TZDIR")) s.zoneinfo = *dir;
    return s;
}

TimeZoneSetting detect_time_zone(const TimeZoneSystem& system) {
    TimeZoneSetting out;
    if (system.tz) {
        out.from = "TZ=" + *system.tz;
        std::string_view v = *system.tz;
        if (v.starts_with(':')) v.remove_prefix(1);
        if (v.empty()) {
            out.why_not = "TZ is set but empty, which means UTC";
        } else if (v.front() == '/') {
            const std::string zoneinfo = system.zoneinfo.string() + "/";
            if (v.starts_with(zoneinfo) && v.size() > zoneinfo.size())
                out.name = std::string(v.substr(zoneinfo.size()));
            else if (auto n = name_in_zoneinfo(v))
                out.name = *n;
            else
                out.why_not = fmt::format("TZ={} is a file outside the tzdata directory", *system.tz);
        } else if (is_posix_rule(v)) {
            out.why_not = fmt::format("TZ={} is a POSIX rule (offsets), which names no place", *system.tz);
        } else {
            out.name = std::string(v);
        }
        return out;
    }
    std::error_code ec;
    if (fs::is_symlink(system.localtime, ec)) {
        const fs::path target = fs::read_symlink(system.localtime, ec);
        out.from = fmt::format("{} -> {}", system.localtime.string(), target.string());
        if (auto n = name_in_zoneinfo(target.string())) {
            out.name = *n;
            return out;
        }
        out.why_not = fmt::format("{} does not point into a zoneinfo directory", out.from);
    }
    if (auto text = read_text(system.timezone_file)) {
        std::string_view first = *text;
        first = trim(first.substr(0, first.find('\n')));
        if (!first.empty()) {
            out.name = std::string(first);
            out.from = system.timezone_file.string();
            out.why_not.clear();
            return out;
        }
    }
    if (out.why_not.empty())
        out.why_not = fmt::format("TZ is not set, {} is not a link into zoneinfo and {} is missing or empty",
                                  system.localtime.string(), system.timezone_file.string());
    return out;
}

std::vector<ZoneTabRow> parse_zone_tab(std::string_view text) {
    std::vector<ZoneTabRow> rows;
    std::size_t line_no = 0;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        std::vector<std::string_view> cols;
        while (true) {
            const auto tab = line.find('\t');
            cols.push_back(line.substr(0, tab));
            if (tab == std::string_view::npos) break;
            line.remove_prefix(tab + 1);
        }
        if (cols.size() < 3 || cols[0].empty() || cols[2].empty()) continue;
        ZoneTabRow row;
        std::string_view codes = cols[0];
        while (!codes.empty()) {
            const auto comma = codes.find(',');
            row.countries.emplace_back(trim(codes.substr(0, comma)));
            if (comma == std::string_view::npos) break;
            codes.remove_prefix(comma + 1);
        }
        row.time_zone = std::string(trim(cols[2]));
        if (cols.size() > 3) row.comment = std::string(trim(cols[3]));
        row.line = line_no;
        rows.push_back(std::move(row));
    }
    return rows;
}

SubdivisionGuess subdivision_in_comment(std::string_view country, std::string_view comment) {
    SubdivisionGuess out;
    if (trim(comment).empty()) {
        out.note = "tzdata names no subdivision for it";
        return out;
    }
    struct Hit {
        const Subdivision* sub;
        std::string name;
        bool qualified;
    };
    const std::vector<Subdivision> subs = subdivisions_of(country);
    std::vector<Hit> hits;
    for (const Subdivision& s : subs) {
        std::optional<Hit> hit;
        for (const std::string& n : s.names)
            if (auto end = find_words(comment, n, false)) {
                hit = Hit{&s, n, qualified_at(comment, *end)};
                break;
            }
        if (!hit && s.suffix.size() >= 2)
            if (auto end = find_words(comment, s.suffix, true))
                hit = Hit{&s, s.names.front(), qualified_at(comment, *end)};
        if (hit) hits.push_back(*hit);
    }
    if (hits.empty()) {
        out.note = fmt::format("\"{}\" names no ISO 3166-2 subdivision of {}", comment, country);
        return out;
    }
    std::vector<Hit> whole;
    std::copy_if(hits.begin(), hits.end(), std::back_inserter(whole),
                 [](const Hit& h) { return !h.qualified; });
    const std::vector<Hit>& pick = whole.empty() ? hits : whole;
    if (pick.size() > 1) {
        std::vector<std::string> codes;
        for (const Hit& h : pick) codes.push_back(h.sub->code);
        out.note = fmt::format("\"{}\" names several subdivisions ({})", comment, fmt::join(codes, ", "));
        return out;
    }
    out.code = pick.front().sub->code;
    out.name = pick.front().name;
    if (pick.front().sub->zone.empty())
        out.note = fmt::format("{} ({}) is not covered by a single electricity zone", *out.code, out.name);
    else
        out.zone = pick.front().sub->zone;
    return out;
}

std::optional<TimeZonePlace> place_of_time_zone(std::string_view name, const fs::path& zoneinfo,
                                                std::string& why_not) {
    const auto zone_tab = read_text(zoneinfo / "zone.tab");
    const auto zone1970 = read_text(zoneinfo / "zone1970.tab");
    if (!zone_tab && !zone1970) {
        why_not = fmt::format("cannot read tzdata's {} or {} (install tzdata, or set TZDIR)",
                              (zoneinfo / "zone.tab").string(), (zoneinfo / "zone1970.tab").string());
        return std::nullopt;
    }
    const std::vector<ZoneTabRow> one = zone_tab ? parse_zone_tab(*zone_tab) : std::vector<ZoneTabRow>{};
    const std::vector<ZoneTabRow> many = zone1970 ? parse_zone_tab(*zone1970) : std::vector<ZoneTabRow>{};

    std::string current(name);
    std::vector<std::string> followed;
    for (int hop = 0; hop < 8; ++hop) {
        TimeZonePlace place;
        place.time_zone = current;
        if (const ZoneTabRow* r = find_row(one, current)) {
            place.country = r->countries.front();
            place.table = "zone.tab";
            place.comment = r->comment;
        } else if (const ZoneTabRow* r1970 = find_row(many, current)) {
            place.country = r1970->countries.front();
            place.table = "zone1970.tab";
            if (r1970->countries.size() == 1) place.comment = r1970->comment;
        }
        if (!place.country.empty()) {
            place.subdivision = subdivision_in_comment(place.country, place.comment);
            return place;
        }
        // Not in the tables: a backward-compatible link (US/Pacific) leads to the canonical name.
        std::error_code ec;
        const fs::path p = zoneinfo / current;
        if (current.find("..") != std::string::npos || !fs::is_symlink(p, ec)) break;
        const fs::path target = fs::weakly_canonical(p, ec);
        const fs::path root = fs::weakly_canonical(zoneinfo, ec);
        const std::string rel = target.lexically_relative(root).generic_string();
        if (ec || rel.empty() || rel.starts_with("..") || rel == current) break;
        followed.push_back(current);
        current = rel;
    }
    why_not = fmt::format(
        "time zone {}{} names no country in tzdata's zone.tab or zone1970.tab", name,
        followed.empty() || current == name ? std::string() : fmt::format(" (link to {})", current));
    return std::nullopt;
}

}  // namespace eco2::carbon
