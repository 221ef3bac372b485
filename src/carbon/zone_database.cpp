#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

#include "carbon/csv.hpp"
#include "carbon/zone_data.hpp"
#include "sys/text.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"

namespace eco2 {
namespace {

// ------------------------------------------------------------------------------------------ text helpers

// Lookup form of a text: trimmed, ASCII letters lower-cased, inner blanks collapsed. Bytes >= 0x80 are kept,
// so names with accents match as written; the data adds ASCII spellings as aliases.
std::string fold(std::string_view s) {
    std::string out;
    bool blank = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = !out.empty();
            continue;
        }
        if (blank) out += ' ';
        blank = false;
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return out;
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}


std::vector<std::string> split_aliases(const std::string& field) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < field.size()) {
        std::size_t bar = field.find('|', start);
        if (bar == std::string::npos) bar = field.size();
        if (bar > start) out.push_back(field.substr(start, bar - start));
        start = bar + 1;
    }
    return out;
}

// "a, b or c".
std::string join_or(const std::vector<std::string>& items) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += i + 1 == items.size() ? " or " : ", ";
        out += items[i];
    }
    return out;
}

// ------------------------------------------------------------------------------------------ compiled-in data

// The rows of one compiled-in CSV file, checked against the columns this code reads.
class DataTable {
public:
    DataTable(const std::vector<carbon::EmbeddedFile>& files, std::string_view name,
              std::vector<std::string_view> columns)
        : m_name(name) {
        auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.name == name; });
        if (it == files.end()) throw bad("is not compiled in");
        m_rows = carbon::parse_csv(it->content, fmt::format("data/{}", name));
        if (m_rows.empty() ||
            m_rows.front().fields != std::vector<std::string>(columns.begin(), columns.end()))
            throw bad(fmt::format("header is not {}", fmt::join(columns, ",")));
        for (const auto& r : m_rows)
            if (r.fields.size() != columns.size())
                throw bad(fmt::format("line {} has {} fields", r.line, r.fields.size()));
        m_rows.erase(m_rows.begin());
    }
    const std::vector<carbon::CsvRecord>& rows() const { return m_rows; }

    double number(const carbon::CsvRecord& r, std::size_t col) const {
        const std::string& f = r.fields[col];
        double v = 0.0;
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc{} || p != f.data() + f.size() || !std::isfinite(v) || v < 0.0)
            throw bad(fmt::format("line {}: \"{}\" is not a number >= 0", r.line, f));
        return v;
    }
    int year(const carbon::CsvRecord& r, std::size_t col) const {
        const std::string& f = r.fields[col];
        int v = 0;
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc{} || p != f.data() + f.size())
            throw bad(fmt::format("line {}: bad year \"{}\"", r.line, f));
        return v;
    }
    Error bad(std::string_view what) const {
        return Error(
            Errc::internal,
            fmt::format("compiled-in data/{} {}: regenerate with tools/regen_zone_data", m_name, what));
    }

private:
    std::string m_name;
    std::vector<carbon::CsvRecord> m_rows;
};

struct Country {
    std::string alpha2, alpha3, numeric, name;
    std::vector<std::string> aliases;
};

}  // namespace

// ------------------------------------------------------------------------------------------ database

struct ZoneDatabase::Impl {
    // Lookup tiers: a code beats a name, a zone's own name beats a country's, a country's beats a
    // subdivision's.
    enum class Tier { zone_key, iso_code, zone_name, country_name, subdivision_name };

    // What one lookup text leads to: a zone, or a region known to have no single zone (with the reason).
    struct Entry {
        Tier tier = Tier::zone_key;
        std::string spelling;             // the text as the data writes it, for suggestions
        std::optional<std::size_t> zone;  // index into zones
        std::string via;                  // how the text matched
        std::string no_data;              // why there is no zone, when zone is empty
        std::string region;               // "Antarctica (AQ)", "US-FL (Florida)": names it when zone is empty
    };

    std::vector<ZoneInfo> zones;
    std::unordered_map<std::string, std::size_t> by_key;        // zone key -> index
    std::unordered_map<std::string, std::vector<Entry>> index;  // fold(text) -> entries
    std::unordered_map<std::string, std::string> country_ids;   // fold(code or name) -> alpha-2

    void add(const std::string& text, Entry e) {
        auto& list = index[fold(text)];
        for (const Entry& x : list)
            if (x.tier == e.tier && x.zone == e.zone && x.no_data == e.no_data) return;
        list.push_back(std::move(e));
    }

    std::optional<std::size_t> zone_index(std::string_view key) const {
        auto it = by_key.find(upper(key));
        if (it == by_key.end()) return std::nullopt;
        return it->second;
    }

    std::string label(const Entry& e) const {
        const ZoneInfo& z = zones[*e.zone];
        if (e.tier == Tier::zone_key || e.tier == Tier::iso_code)
            return fmt::format("{} ({})", e.spelling, z.name);
        return fmt::format("{} ({})", e.spelling, z.key);
    }

    void load();  // from the compiled-in data
    ZoneMatch resolve(std::string_view region) const;
    std::string suggestions(const std::string& folded) const;
};

void ZoneDatabase::Impl::load() {
    const auto files = carbon::embedded_data_files();

    // sources.csv: dataset -> row, for source strings such as "Ember yearly average, latest year (@tgwf/co2
    // X)".
    std::map<std::string, std::vector<std::string>> sources;
    DataTable src(files, "sources.csv",
                  {"dataset", "title", "package", "version", "integrity", "license", "years", "upstream"});
    for (const auto& r : src.rows()) sources[r.fields[0]] = r.fields;
    const auto source_text = [&](const std::string& dataset, const std::string& detail) {
        auto it = sources.find(dataset);
        if (it == sources.end()) throw src.bad(fmt::format("has no dataset {}", dataset));
        const auto& f = it->second;
        return fmt::format("{}{} ({} {})", f[1], detail, f[2], f[3]);
    };

    // Countries.
    std::vector<Country> countries;
    std::unordered_map<std::string, std::size_t> by_alpha2, by_alpha3;
    DataTable ctab(files, "countries.csv", {"alpha2", "alpha3", "numeric", "name", "aliases"});
    for (const auto& r : ctab.rows()) {
        Country c{r.fields[0], r.fields[1], r.fields[2], r.fields[3], split_aliases(r.fields[4])};
        by_alpha2[c.alpha2] = countries.size();
        by_alpha3[c.alpha3] = countries.size();
        countries.push_back(std::move(c));
    }
    const auto name_of_country = [&](const std::string& alpha2) -> std::string {
        auto it = by_alpha2.find(alpha2);
        return it == by_alpha2.end() ? std::string() : countries[it->second].name;
    };

    // Electricity Maps zones and their yearly averages.
    std::map<std::string, ZoneInfo> found;  // by key, so the zones come out sorted
    DataTable ztab(files, "zones.csv", {"zone", "country", "name", "display_name", "aliases"});
    std::map<std::string, std::vector<std::string>> zone_aliases;
    for (const auto& r : ztab.rows()) {
        ZoneInfo z;
        z.key = r.fields[0];
        z.country = r.fields[1];
        z.name = r.fields[2];
        z.display_name = r.fields[3];
        z.country_name = name_of_country(z.country);
        zone_aliases[z.key] = split_aliases(r.fields[4]);
        if (!found.emplace(z.key, z).second)
            throw ztab.bad(fmt::format("line {}: zone {} twice", r.line, z.key));
    }
    DataTable atab(files, "zones_average.csv",
                   {"zone", "year", "g_co2eq_per_kwh", "renewable_pct", "carbon_free_pct"});
    for (const auto& r : atab.rows()) {
        auto it = found.find(r.fields[0]);
        if (it == found.end()) throw atab.bad(fmt::format("line {}: unknown zone {}", r.line, r.fields[0]));
        const int year = atab.year(r, 1);
        it->second.values.push_back({IntensityKind::average, year, atab.number(r, 2),
                                     source_text("electricity_maps", fmt::format(" {}", year)), false});
    }

    // Ember: countries that Electricity Maps lacks become zones keyed by alpha-2; non-country codes (WORLD,
    // EU, ASIA...) become aggregate zones keyed by the code.
    const std::string ember_source = source_text("ember", ", latest year");
    DataTable etab(files, "countries_average.csv", {"code", "g_co2eq_per_kwh"});
    for (const auto& r : etab.rows()) {
        const std::string& code = r.fields[0];
        ZoneInfo z;
        if (auto c = by_alpha3.find(code); c != by_alpha3.end()) {
            const Country& country = countries[c->second];
            if (found.count(country.alpha2)) continue;  // Electricity Maps has the country
            z.key = country.alpha2;
            z.name = country.name;
            z.country = country.alpha2;
            z.country_name = country.name;
        } else {
            z.key = upper(code);
            z.name = code;
        }
        z.values.push_back({IntensityKind::average, std::nullopt, etab.number(r, 1), ember_source, false});
        if (!found.emplace(z.key, z).second)
            throw etab.bad(fmt::format("line {}: zone {} twice", r.line, z.key));
    }

    // Marginal intensities are per country (alpha-3); every zone of the country gets its country's value.
    std::map<std::string, std::pair<int, double>> marginal_by_country;
    DataTable mtab(files, "countries_marginal.csv", {"code", "year", "g_co2eq_per_kwh"});
    for (const auto& r : mtab.rows())
        if (auto c = by_alpha3.find(r.fields[0]); c != by_alpha3.end())
            marginal_by_country[countries[c->second].alpha2] = {mtab.year(r, 1), mtab.number(r, 2)};
    for (auto& [key, z] : found) {
        auto m = marginal_by_country.find(z.country);
        if (m == marginal_by_country.end()) continue;
        const auto [year, value] = m->second;
        const std::string scope = key == z.country ? "" : fmt::format(", country value for {}", z.country);
        z.values.push_back({IntensityKind::marginal, year, value,
                            source_text("marginal", fmt::format(" {}{}", year, scope)), false});
    }

    for (auto& [key, z] : found) {
        by_key[key] = zones.size();
        zones.push_back(std::move(z));
    }

    // Lookup index.
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const ZoneInfo& z = zones[i];
        add(z.key, {Tier::zone_key, z.key, i, "zone key", {}, {}});
        add(z.name, {Tier::zone_name, z.name, i, fmt::format("zone name {}", z.name), {}, {}});
        if (!z.display_name.empty())
            add(z.display_name,
                {Tier::zone_name, z.display_name, i, fmt::format("zone name {}", z.display_name), {}, {}});
        for (const auto& alias : zone_aliases[z.key])
            add(alias, {Tier::zone_name, alias, i, fmt::format("zone name {}", alias), {}, {}});
    }
    for (const Country& c : countries) {
        const auto zone = zone_index(c.alpha2);
        const std::string no_data =
            zone ? std::string()
                 : fmt::format("{} ({}) has no carbon-intensity data in eco2", c.name, c.alpha2);
        const auto entry = [&](Tier tier, const std::string& spelling, std::string via) {
            add(spelling,
                {tier, spelling, zone, std::move(via), no_data, fmt::format("{} ({})", c.name, c.alpha2)});
            country_ids[fold(spelling)] = c.alpha2;
        };
        entry(Tier::iso_code, c.alpha2, fmt::format("ISO 3166-1 alpha-2 code {}", c.alpha2));
        entry(Tier::iso_code, c.alpha3, fmt::format("ISO 3166-1 alpha-3 code {}", c.alpha3));
        entry(Tier::iso_code, c.numeric, fmt::format("ISO 3166-1 numeric code {}", c.numeric));
        entry(Tier::country_name, c.name, fmt::format("country name {}", c.name));
        for (const auto& alias : c.aliases)
            entry(Tier::country_name, alias, fmt::format("country name {}", alias));
    }
    DataTable stab(files, "subdivisions.csv",
                   {"code", "country", "name", "aliases", "zone", "match", "candidates"});
    for (const auto& r : stab.rows()) {
        const std::string &code = r.fields[0], &country = r.fields[1], &name = r.fields[2];
        const std::string& match = r.fields[5];
        std::optional<std::size_t> zone;
        std::string how, no_data;
        if (!r.fields[4].empty()) {
            zone = zone_index(r.fields[4]);
            if (!zone) throw stab.bad(fmt::format("line {}: unknown zone {}", r.line, r.fields[4]));
            how = match == "same_name" ? "zone of the same name" : "zone named after it";
        } else {
            std::vector<std::string> named;
            for (const auto& key : split_aliases(r.fields[6]))
                if (auto k = zone_index(key)) named.push_back(fmt::format("{} ({})", key, zones[*k].name));
            no_data = fmt::format("{} ({}) is not covered by a single zone of {}", code, name,
                                  name_of_country(country));
            if (!named.empty()) no_data += fmt::format("; zones named after it: {}", fmt::join(named, ", "));
            no_data += fmt::format("; pick one of the zones of {} (eco2 regions {})", country, country);
        }
        const std::string region = fmt::format("{} ({})", code, name);
        add(code,
            {Tier::iso_code, code, zone, fmt::format("ISO 3166-2 {}, {}", region, how), no_data, region});
        std::vector<std::string> names = split_aliases(r.fields[3]);
        names.insert(names.begin(), name);
        for (const auto& n : names)
            add(n, {Tier::subdivision_name, n, zone, fmt::format("subdivision {} ({}), {}", n, code, how),
                    no_data, region});
    }
}

std::string ZoneDatabase::Impl::suggestions(const std::string& folded) const {
    const std::size_t limit = folded.size() <= 3 ? 1 : folded.size() <= 6 ? 2 : 3;
    struct Candidate {
        std::size_t distance;
        Tier tier;
        std::string label;
        std::size_t zone;
    };
    std::vector<Candidate> found;
    for (const auto& [text, entries] : index) {
        const std::size_t d = sys::edit_distance(folded, text);
        if (d > limit) continue;
        for (const Entry& e : entries)
            if (e.zone) found.push_back({d, e.tier, label(e), *e.zone});
    }
    std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.distance, a.tier, a.label) < std::tie(b.distance, b.tier, b.label);
    });
    std::vector<std::string> labels;
    std::set<std::size_t> seen;
    for (const Candidate& c : found) {
        if (!seen.insert(c.zone).second) continue;
        labels.push_back(c.label);
        if (labels.size() == 3) break;
    }
    if (labels.empty()) return "no close match; list the zones with `eco2 regions`";
    return fmt::format("did you mean {}?", join_or(labels));
}

ZoneMatch ZoneDatabase::Impl::resolve(std::string_view region) const {
    std::string key = fold(region);
    if (key.empty()) throw Error(Errc::not_found, "empty region name; list the zones with `eco2 regions`");
    if (all_digits(key) && key.size() < 3)
        key.insert(0, 3 - key.size(), '0');  // ISO numeric codes are 3 digits
    auto it = index.find(key);
    if (it == index.end())
        throw Error(Errc::not_found,
                    fmt::format("unknown region \"{}\": {}", region, suggestions(fold(region))));
    const auto& entries = it->second;
    const Tier best = std::min_element(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
                          return a.tier < b.tier;
                      })->tier;
    std::vector<const Entry*> top;
    for (const Entry& e : entries) {
        if (e.tier != best) continue;
        const bool same = std::any_of(top.begin(), top.end(), [&](const Entry* t) {
            return t->zone == e.zone && (e.zone || t->no_data == e.no_data);
        });
        if (!same) top.push_back(&e);
    }
    if (top.size() == 1) {
        if (top[0]->zone) return ZoneMatch{&zones[*top[0]->zone], top[0]->via};
        throw Error(Errc::not_found, fmt::format("region \"{}\": {}", region, top[0]->no_data));
    }
    std::vector<std::string> options;
    for (const Entry* e : top)
        options.push_back(e->zone ? fmt::format("{} ({})", zones[*e->zone].key, zones[*e->zone].name)
                                  : e->region);
    throw Error(Errc::not_found,
                fmt::format("region \"{}\" is ambiguous: it names {}; use a code", region, join_or(options)));
}

// ------------------------------------------------------------------------------------------ public API

std::string_view to_string(IntensityKind kind) noexcept {
    return kind == IntensityKind::marginal ? "marginal" : "average";
}

std::vector<int> ZoneInfo::years(IntensityKind kind) const {
    std::set<int> out;
    for (const ZoneValue& v : values)
        if (v.kind == kind && v.year) out.insert(*v.year);
    return {out.begin(), out.end()};
}

ZoneDatabase::ZoneDatabase(std::shared_ptr<const Impl> impl) : m_impl(std::move(impl)) {}

const ZoneDatabase& ZoneDatabase::builtin() {
    static const ZoneDatabase db = [] {
        auto impl = std::make_shared<Impl>();
        impl->load();
        return ZoneDatabase(std::move(impl));
    }();
    return db;
}

ZoneDatabase ZoneDatabase::with_user_table(const std::vector<UserIntensityRow>& rows) const {
    auto impl = std::make_shared<Impl>(*m_impl);
    std::map<std::pair<std::size_t, std::optional<int>>, std::string> seen;  // (zone, year) -> origin
    for (const UserIntensityRow& row : rows) {
        ZoneMatch m;
        try {
            m = m_impl->resolve(row.zone);
        } catch (const Error& e) {
            throw Error(e.code(), fmt::format("{}: {}", row.origin, e.what()));
        }
        const std::size_t index = m_impl->by_key.at(m.zone->key);
        auto [prev, fresh] = seen.emplace(std::make_pair(index, row.year), row.origin);
        if (!fresh)
            throw Error(
                Errc::invalid_argument,
                fmt::format("{}: {}{} is already given at {}", row.origin, m.zone->key,
                            row.year ? fmt::format(" for {}", *row.year) : std::string(), prev->second));
        auto& values = impl->zones[index].values;
        std::erase_if(values, [&](const ZoneValue& v) {
            return v.kind == IntensityKind::average && v.year == row.year && row.year;
        });
        values.push_back({IntensityKind::average, row.year, row.g_per_kwh,
                          fmt::format("user table {}", row.origin), true});
        std::stable_sort(values.begin(), values.end(), [](const ZoneValue& a, const ZoneValue& b) {
            return std::tie(a.kind, a.year) < std::tie(b.kind, b.year);
        });
    }
    return ZoneDatabase(std::move(impl));
}

ZoneMatch ZoneDatabase::resolve(std::string_view region) const {
    return m_impl->resolve(region);
}

const ZoneInfo& ZoneDatabase::find(std::string_view region) const {
    return *m_impl->resolve(region).zone;
}

ZoneIntensity ZoneDatabase::intensity(std::string_view region, std::optional<int> year,
                                      IntensityKind kind) const {
    const ZoneMatch m = m_impl->resolve(region);
    const ZoneInfo& z = *m.zone;
    const ZoneValue* chosen = nullptr;
    const ZoneValue* yearless = nullptr;
    const ZoneValue* user_any_year = nullptr;
    for (const ZoneValue& v : z.values) {
        if (v.kind != kind) continue;
        if (!v.year) (v.from_user ? user_any_year : yearless) = &v;
        if (v.year && (year ? *v.year == *year : (!chosen || *v.year > *chosen->year))) chosen = &v;
    }
    if (user_any_year) chosen = user_any_year;
    if (!chosen && !year) chosen = yearless;
    if (!chosen) {
        const std::string what = fmt::format("{} ({})", z.key, z.name);
        const std::vector<int> years = z.years(kind);
        std::string msg;
        if (!years.empty())
            msg = fmt::format("no {} intensity for {} in {}: years with data are {}", to_string(kind), what,
                              *year, fmt::join(years, ", "));
        else if (yearless)
            msg = fmt::format("{} has one {} intensity, without a year ({}): leave the year out", what,
                              to_string(kind), yearless->source);
        else if (kind == IntensityKind::marginal)
            msg = fmt::format(
                "no marginal intensity for {}: the marginal data covers countries only, and not {}", what,
                z.country.empty() ? z.key : z.country);
        else
            msg = fmt::format("no {} intensity for {}", to_string(kind), what);
        throw Error(Errc::not_found, msg);
    }
    ZoneIntensity out;
    out.zone = z.key;
    out.zone_name = z.name;
    out.kind = kind;
    out.year = chosen->year;
    out.g_per_kwh = chosen->g_per_kwh;
    out.source = chosen->source;
    if (m.via != "zone key") out.source += fmt::format("; region \"{}\": {}", region, m.via);
    return out;
}

std::shared_ptr<const IntensityProvider> ZoneDatabase::provider(std::string_view region,
                                                                std::optional<int> year,
                                                                IntensityKind kind) const {
    const ZoneIntensity zi = intensity(region, year, kind);
    return fixed_intensity(zi.g_per_kwh, zi.zone, zi.source);
}

const std::vector<ZoneInfo>& ZoneDatabase::zones() const noexcept {
    return m_impl->zones;
}

std::vector<const ZoneInfo*> ZoneDatabase::search(std::string_view text) const {
    std::vector<const ZoneInfo*> out;
    const std::string q = fold(text);
    auto country = m_impl->country_ids.find(q);
    for (const ZoneInfo& z : m_impl->zones) {
        bool hit = q.empty();
        if (country != m_impl->country_ids.end()) {
            hit = z.country == country->second;
        } else {
            for (const std::string* f : {&z.key, &z.name, &z.display_name, &z.country, &z.country_name})
                hit = hit || fold(*f).find(q) != std::string::npos;
        }
        if (hit) out.push_back(&z);
    }
    return out;
}

ZoneIntensity zone_intensity(std::string_view region, std::optional<int> year, IntensityKind kind) {
    return ZoneDatabase::builtin().intensity(region, year, kind);
}

std::shared_ptr<const IntensityProvider> zone_intensity_provider(std::string_view region,
                                                                 std::optional<int> year,
                                                                 IntensityKind kind) {
    return ZoneDatabase::builtin().provider(region, year, kind);
}

ZoneIntensity ember_world_intensity() {
    return ZoneDatabase::builtin().intensity("WORLD");
}

}  // namespace eco2
