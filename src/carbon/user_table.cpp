#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include "carbon/csv.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"
#include "sys/text.hpp"

namespace eco2 {
namespace {

using sys::trim;

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

}  // namespace

std::vector<UserIntensityRow> parse_user_intensity_table(std::string_view text, std::string_view origin) {
    std::vector<UserIntensityRow> rows;
    bool first = true;
    for (const carbon::CsvRecord& rec : carbon::parse_csv(text, origin)) {
        const std::string where = fmt::format("{}:{}", origin, rec.line);
        const auto bad = [&](std::string_view what) {
            return Error(
                Errc::invalid_argument,
                fmt::format("{}: {} (expected zone,gCO2/kWh[,year], e.g. FR,56 or US-CAL-CISO,210,2024)",
                            where, what));
        };
        const std::string_view zone = trim(rec.fields[0]);
        const bool header = first && starts_with_icase(zone, "zone");
        first = false;
        if (header || zone.starts_with('#')) continue;
        if (rec.fields.size() < 2 || rec.fields.size() > 3)
            throw bad(fmt::format("{} fields", rec.fields.size()));
        if (zone.empty()) throw bad("empty zone");

        UserIntensityRow row;
        row.zone = std::string(zone);
        row.origin = where;
        const std::string_view value = trim(rec.fields[1]);
        auto [vp, vec] = std::from_chars(value.data(), value.data() + value.size(), row.g_per_kwh);
        if (value.empty() || vec != std::errc{} || vp != value.data() + value.size())
            throw bad(
                fmt::format("intensity \"{}\" is not a number (gCO2/kWh, '.' as decimal point)", value));
        if (!std::isfinite(row.g_per_kwh) || row.g_per_kwh < 0.0)
            throw bad(fmt::format("intensity {} must be finite and >= 0 gCO2/kWh", value));
        if (rec.fields.size() == 3) {
            const std::string_view y = trim(rec.fields[2]);
            int year = 0;
            auto [yp, yec] = std::from_chars(y.data(), y.data() + y.size(), year);
            if (y.empty() || yec != std::errc{} || yp != y.data() + y.size() || year < 1900 || year > 2200)
                throw bad(fmt::format("year \"{}\" is not a year between 1900 and 2200", y));
            row.year = year;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<UserIntensityRow> load_user_intensity_table(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(Errc::io_error, fmt::format("cannot read intensity table {}", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw Error(Errc::io_error, fmt::format("error reading intensity table {}", file.string()));
    return parse_user_intensity_table(text.str(), file.string());
}

}  // namespace eco2
