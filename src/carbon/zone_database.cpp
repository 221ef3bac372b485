#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <map>
#include <memory_resource>
#include <mutex>
#include <numeric>
#include <set>
#include <span>
#include <unordered_map>

#include "carbon/csv.hpp"
#include "carbon/zone_data.hpp"
#include "eco2/error.hpp"
#include "eco2/zones.hpp"
#include "sys/text.hpp"

namespace eco2 {
namespace {

// ------------------------------------------------------------------------------------------ text helpers

// fold(s) is the lookup form of a text: trimmed, ASCII letters lower-cased, inner blanks collapsed. Bytes >=
// 0x80 are kept, so names with accents match as written; the data adds ASCII spellings as aliases. fold_into
// writes it to out, which has room for s.size() chars (it is never longer), and returns its length.
std::size_t fold_into(std::string_view s, char* out) {
    std::size_t n = 0;
    bool blank = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            blank = n > 0;
            continue;
        }
        if (blank) out[n++] = ' ';
        blank = false;
        out[n++] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    return n;
}

std::string fold(std::string_view s) {
    std::string out(s.size(), ' ');
    out.resize(fold_into(s, out.data()));
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

// Concatenation, for the texts made while loading (cheaper than fmt::format for thousands of them).
std::string cat(std::initializer_list<std::string_view> parts) {
    std::size_t size = 0;
    for (std::string_view p : parts) size += p.size();
    std::string out;
    out.reserve(size);
    for (std::string_view p : parts) out += p;
    return out;
}

// The non-empty items of "a|b|c", viewing field.
std::vector<std::string_view> split_aliases(std::string_view field) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start < field.size()) {
        std::size_t bar = field.find('|', start);
        if (bar == std::string_view::npos) bar = field.size();
        if (bar > start) out.push_back(field.substr(start, bar - start));
        start = bar + 1;
    }
    return out;
}

// Whether s is the upper-case form of a folded text ("US-CAL-CISO", "NORTH AMERICA"): no lower-case letter,
// no blank but single spaces between words. Two such texts never fold to the same text.
bool folds_uniquely(std::string_view s) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if ((c >= 'a' && c <= 'z') || c == '\t' || c == '\n' || c == '\r') return false;
        if (c == ' ' && (i == 0 || i + 1 == s.size() || s[i + 1] == ' ')) return false;
    }
    return true;
}

// "AWS", "Google Cloud", "Azure": a cloud_regions.csv provider as people write it.
std::string_view provider_label(std::string_view p) {
    return p == "aws" ? "AWS" : p == "gcp" ? "Google Cloud" : p == "azure" ? "Azure" : p;
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

Error bad_data(std::string_view file, std::string_view what) {
    return Error(Errc::internal,
                 fmt::format("compiled-in data/{} {}: regenerate with tools/regen_zone_data", file, what));
}

std::string_view embedded_text(std::string_view file) {
    const auto& files = carbon::embedded_data_files();
    auto it = std::find_if(files.begin(), files.end(), [&](const auto& f) { return f.name == file; });
    if (it == files.end()) throw bad_data(file, "is not compiled in");
    return it->content;
}

// The rows of one compiled-in CSV file, checked against the columns this code reads. Fields view the
// compiled-in text, which lives as long as the program, so they stay valid as long as the table.
class DataTable {
public:
    DataTable(std::string_view file, std::initializer_list<std::string_view> columns)
        : m_file(file), m_csv(embedded_text(file), fmt::format("data/{}", file)) {
        if (m_csv.size() == 0 || !std::ranges::equal(m_csv.fields(0), columns))
            throw bad(fmt::format("header is not {}", fmt::join(columns, ",")));
        for (std::size_t i = 0; i < m_csv.size(); ++i)
            if (m_csv.fields(i).size() != columns.size())
                throw bad(fmt::format("line {} has {} fields", m_csv.line(i), m_csv.fields(i).size()));
    }

    // Rows without the header: row(0) is the first line of data.
    std::size_t size() const { return m_csv.size() - 1; }
    std::span<const std::string_view> row(std::size_t i) const { return m_csv.fields(i + 1); }
    std::size_t line(std::size_t i) const { return m_csv.line(i + 1); }

    double number(std::size_t i, std::size_t col) const {
        const std::string_view f = row(i)[col];
        double v = 0.0;
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc{} || p != f.data() + f.size() || !std::isfinite(v) || v < 0.0)
            throw bad(fmt::format("line {}: \"{}\" is not a number >= 0", line(i), f));
        return v;
    }
    int year(std::size_t i, std::size_t col) const {
        const std::string_view f = row(i)[col];
        int v = 0;
        auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
        if (ec != std::errc{} || p != f.data() + f.size())
            throw bad(fmt::format("line {}: bad year \"{}\"", line(i), f));
        return v;
    }
    Error bad(std::string_view what) const { return bad_data(m_file, what); }

private:
    std::string_view m_file;
    carbon::CsvTable m_csv;
};

// Columns of countries.csv and subdivisions.csv that lookup entries refer to.
enum CountryColumn { ALPHA2, ALPHA3, NUMERIC, COUNTRY_NAME, COUNTRY_ALIASES };
enum SubdivisionColumn { CODE, SUB_COUNTRY, SUB_NAME, SUB_ALIASES, SUB_ZONE, MATCH, CANDIDATES };

}  // namespace

// ------------------------------------------------------------------------------------------ database

struct ZoneDatabase::Impl {
    // Lookup tiers: a code beats a name, a zone's own name beats a country's, a country's beats a
    // subdivision's.
    enum class Tier { zone_key, iso_code, zone_name, country_name, subdivision_name };

    // Where a lookup text comes from. With the entry's zone or row it gives the texts of messages, which are
    // made only for the entries a lookup returns.
    enum class Source {
        zone_key,          // the zone's key
        zone_name,         // the zone's name, display name or an alias
        alpha2,            // countries.csv ...
        alpha3,            //
        numeric,           //
        country_name,      // ... name or alias
        subdivision_code,  // subdivisions.csv ...
        subdivision_name,  // ... name or alias
    };

    // What one lookup text leads to: a zone, or a region known to have no single zone.
    struct Entry {
        Tier tier = Tier::zone_key;
        Source source = Source::zone_key;
        std::string_view spelling;  // the text as the data writes it; empty for a zone key (see spelling())
        std::optional<std::size_t> zone;  // index into zones
        std::size_t row = 0;              // row of countries.csv or subdivisions.csv, for those sources

        bool from_countries() const { return source >= Source::alpha2 && source <= Source::country_name; }
        // Both lead to the same zone, or to the same region without one.
        bool same_target(const Entry& o) const {
            return zone == o.zone && (zone || (from_countries() == o.from_countries() && row == o.row));
        }
    };

    // fold(text) -> entries, and subdivisions.csv, which only the index needs.
    struct Index {
        explicit Index(DataTable subdivisions_) : subdivisions(std::move(subdivisions_)) {}
        void add(std::string_view text, const Entry& e);

        DataTable subdivisions;
        // Thousands of small keys and lists, made once and freed together if ever: they come from one arena,
        // at a fraction of the cost of malloc. Keys are texts folded into the arena.
        std::pmr::monotonic_buffer_resource arena;
        std::pmr::unordered_map<std::string_view, std::pmr::vector<Entry>> entries{&arena};
    };

    // The compiled-in tables that entries and messages view, and the index, made on the first lookup that
    // needs one: runs that name a zone by its key (see resolve()) never do. Shared by the builtin database
    // and the copies with_user_table makes, which change values only.
    struct Lookup {
        // The texts a zone is looked up by, viewing zones.csv, countries.csv or countries_average.csv.
        struct ZoneTexts {
            std::string_view name, display_name, aliases;
        };

        Lookup(DataTable countries_table, DataTable zones_table, DataTable ember_table)
            : countries(std::move(countries_table)), zone_table(std::move(zones_table)), ember(std::move(ember_table)) {}

        DataTable countries, zone_table, ember;
        std::vector<ZoneTexts> zone_texts;  // in the order of Impl::zones
        std::once_flag index_made;
        std::unique_ptr<const Index> index;
        // data/cloud_regions.csv, read on the first lookup that is not a zone key.
        std::once_flag cloud_made;
        std::unique_ptr<const DataTable> cloud;
        // data/us_state_zones.csv, read when a US state without a zone of its own is named.
        std::once_flag states_made;
        std::unique_ptr<const DataTable> states;

        // The name of a country by its alpha-2 code (the last row that has it), for messages: a scan will do.
        std::string_view country_name(std::string_view alpha2) const {
            for (std::size_t i = countries.size(); i-- > 0;)
                if (countries.row(i)[ALPHA2] == alpha2) return countries.row(i)[COUNTRY_NAME];
            return {};
        }
    };

    std::vector<ZoneInfo> zones;  // sorted by key
    std::shared_ptr<Lookup> lookup;

    static std::shared_ptr<Impl> load();  // from the compiled-in data

    // Made on first use (thread-safe). Throws Error(internal) if subdivisions.csv names an unknown zone.
    const Index& index() const {
        std::call_once(lookup->index_made, [&] { lookup->index = make_index(); });
        return *lookup->index;
    }
    std::unique_ptr<const Index> make_index() const;

    std::optional<std::size_t> zone_index(std::string_view key) const {
        const std::string k = upper(key);
        auto it =
            std::lower_bound(zones.begin(), zones.end(), k,
                             [](const ZoneInfo& z, const std::string& wanted) { return z.key < wanted; });
        if (it == zones.end() || it->key != k) return std::nullopt;
        return static_cast<std::size_t>(it - zones.begin());
    }

    // Texts for messages, made from an entry when a lookup returns it.
    std::string_view spelling(const Entry& e) const {
        return e.source == Source::zone_key ? std::string_view(zones[*e.zone].key) : e.spelling;
    }
    std::string label(const Entry& e) const;
    std::string via(const Entry& e) const;  // how the text matched; for an entry with a zone
    // "Antarctica (AQ)", "US-FL (Florida)": the country or subdivision of an entry from one.
    std::string region_of(const Entry& e) const;
    std::string no_data(const Entry& e) const;  // why there is no zone; for an entry without one

    // The alpha-2 code of the country that a folded code or name denotes; the last one in countries.csv when
    // several share it (Congo).
    std::optional<std::string_view> country_named(const std::string& folded) const;

    ZoneMatch resolve(std::string_view region) const;
    std::string suggestions(const std::string& folded) const;

    // Cloud regions (data/cloud_regions.csv): "aws:us-east-1", "azure westeurope" or a plain region name.
    // Throws Error(internal) if a row names an unknown zone.
    const DataTable& cloud() const;
    // nullopt when the text is no cloud region; throws Error(not_found) for an unknown region of a named
    // provider, or a plain name two providers use for different zones.
    std::optional<ZoneMatch> resolve_cloud(std::string_view region) const;
    ZoneMatch cloud_match(std::size_t row) const;

    // US states that span zones (data/us_state_zones.csv): the best zone with the reason, or throws
    // Error(not_found) with the likely zones; nullopt when the table has no row for the subdivision.
    const DataTable& states() const;
    std::optional<ZoneMatch> state_zone(std::string_view region, const Entry& e) const;
};

enum StateColumn { STATE_CODE, STATE_ZONE, STATE_CANDIDATES, STATE_REASON, STATE_SOURCE };

// Columns of cloud_regions.csv.
enum CloudColumn { CLOUD_PROVIDER, CLOUD_REGION, CLOUD_LOCATION, CLOUD_ZONE, CLOUD_REASON, CLOUD_SOURCE };

void ZoneDatabase::Impl::Index::add(std::string_view text, const Entry& e) {
    // The key is folded straight into the arena; when the map has it already, those few bytes go unused.
    char* key = static_cast<char*>(arena.allocate(text.size(), alignof(char)));
    auto& list = entries.try_emplace(std::string_view(key, fold_into(text, key))).first->second;
    for (const Entry& x : list)
        if (x.tier == e.tier && x.same_target(e)) return;
    list.push_back(e);
}

std::shared_ptr<ZoneDatabase::Impl> ZoneDatabase::Impl::load() {
    // The maps below are only needed here: their hundreds of nodes come from one arena, freed at once.
    std::pmr::monotonic_buffer_resource scratch;

    // sources.csv: dataset -> row, for source strings such as "Ember yearly average, latest year (@tgwf/co2
    // X)".
    const DataTable src("sources.csv", {"dataset", "title", "package", "version", "integrity", "license",
                                        "years", "upstream"});
    std::map<std::string_view, std::span<const std::string_view>> sources;
    for (std::size_t i = 0; i < src.size(); ++i) sources[src.row(i)[0]] = src.row(i);
    const auto source_text = [&](std::string_view dataset, std::string_view detail) {
        auto it = sources.find(dataset);
        if (it == sources.end()) throw src.bad(fmt::format("has no dataset {}", dataset));
        const auto f = it->second;
        return cat({f[1], detail, " (", f[2], " ", f[3], ")"});
    };

    // Countries.
    DataTable countries("countries.csv", {"alpha2", "alpha3", "numeric", "name", "aliases"});
    std::pmr::unordered_map<std::string_view, std::size_t> by_alpha2(&scratch), by_alpha3(&scratch);
    by_alpha2.reserve(countries.size());
    by_alpha3.reserve(countries.size());
    for (std::size_t i = 0; i < countries.size(); ++i) {
        by_alpha2[countries.row(i)[ALPHA2]] = i;
        by_alpha3[countries.row(i)[ALPHA3]] = i;
    }
    const auto name_of_country = [&](std::string_view alpha2) {
        auto it = by_alpha2.find(alpha2);
        return it == by_alpha2.end() ? std::string_view() : countries.row(it->second)[COUNTRY_NAME];
    };

    // The zones in the order the data gives them.
    struct NewZone {
        ZoneInfo info;
        Lookup::ZoneTexts texts;
    };
    DataTable zone_table("zones.csv", {"zone", "country", "name", "display_name", "aliases"});
    DataTable ember("countries_average.csv", {"code", "g_co2eq_per_kwh"});
    std::vector<NewZone> found;
    found.reserve(zone_table.size() + ember.size());
    std::pmr::unordered_map<std::string, std::size_t> found_by_key(&scratch);
    found_by_key.reserve(zone_table.size() + ember.size());
    const auto add_zone = [&](std::string key, const DataTable& table, std::size_t row) -> NewZone& {
        // resolve() finds keys without the index: no two keys may fold to the same text.
        if (!folds_uniquely(key))
            throw table.bad(fmt::format("line {}: zone key \"{}\" is not upper case with single blanks",
                                        table.line(row), key));
        if (!found_by_key.emplace(key, found.size()).second)
            throw table.bad(fmt::format("line {}: zone {} twice", table.line(row), key));
        NewZone& z = found.emplace_back();
        z.info.key = std::move(key);
        return z;
    };

    // Electricity Maps zones and their yearly averages.
    for (std::size_t i = 0; i < zone_table.size(); ++i) {
        const auto f = zone_table.row(i);
        NewZone& z = add_zone(std::string(f[0]), zone_table, i);
        z.info.name = f[2];
        z.info.display_name = f[3];
        z.info.country = f[1];
        z.info.country_name = name_of_country(f[1]);
        z.texts = {f[2], f[3], f[4]};
    }
    const DataTable averages("zones_average.csv",
                             {"zone", "year", "g_co2eq_per_kwh", "renewable_pct", "carbon_free_pct"});
    std::map<int, std::string> average_sources;  // by year: one text, copied into each value
    for (std::size_t i = 0; i < averages.size();) {
        // The file lists a zone's years one after the other: find the zone once for them all.
        const std::string_view key = averages.row(i)[0];
        std::size_t end = i + 1;
        while (end < averages.size() && averages.row(end)[0] == key) ++end;
        auto it = found_by_key.find(std::string(key));
        if (it == found_by_key.end())
            throw averages.bad(fmt::format("line {}: unknown zone {}", averages.line(i), key));
        auto& values = found[it->second].info.values;
        values.reserve(values.size() + (end - i) + 1);  // + its marginal value
        for (; i < end; ++i) {
            const int year = averages.year(i, 1);
            auto [source, fresh] = average_sources.try_emplace(year);
            if (fresh) source->second = source_text("electricity_maps", cat({" ", std::to_string(year)}));
            values.push_back({IntensityKind::average, year, averages.number(i, 2), source->second, false});
        }
    }

    // Ember: countries that Electricity Maps lacks become zones keyed by alpha-2; non-country codes (WORLD,
    // EU, ASIA...) become aggregate zones keyed by the code.
    const std::string ember_source = source_text("ember", ", latest year");
    for (std::size_t i = 0; i < ember.size(); ++i) {
        const std::string_view code = ember.row(i)[0];
        const double value = ember.number(i, 1);
        NewZone* z = nullptr;
        if (auto c = by_alpha3.find(code); c != by_alpha3.end()) {
            const std::string_view alpha2 = countries.row(c->second)[ALPHA2];
            const std::string_view name = countries.row(c->second)[COUNTRY_NAME];
            if (found_by_key.count(std::string(alpha2))) continue;  // Electricity Maps has the country
            z = &add_zone(std::string(alpha2), ember, i);
            z->info.name = name;
            z->info.country = alpha2;
            z->info.country_name = name;
            z->texts.name = name;
        } else {
            z = &add_zone(upper(code), ember, i);
            z->info.name = code;
            z->texts.name = code;
        }
        z->info.values.reserve(2);  // + its marginal value
        z->info.values.push_back({IntensityKind::average, std::nullopt, value, ember_source, false});
    }

    // Marginal intensities are per country (alpha-3); every zone of the country gets its country's value.
    const DataTable marginal("countries_marginal.csv", {"code", "year", "g_co2eq_per_kwh"});
    // By alpha-2: (year, gCO2/kWh).
    std::pmr::unordered_map<std::string_view, std::pair<int, double>> marginal_by_country(&scratch);
    for (std::size_t i = 0; i < marginal.size(); ++i)
        if (auto c = by_alpha3.find(marginal.row(i)[0]); c != by_alpha3.end())
            marginal_by_country[countries.row(c->second)[ALPHA2]] = {marginal.year(i, 1),
                                                                     marginal.number(i, 2)};
    // By year and the country a sub-national zone borrows the value from ("" for a country's own zone): one
    // text, copied into each value.
    std::map<std::pair<int, std::string>, std::string> marginal_sources;
    for (NewZone& nz : found) {
        ZoneInfo& z = nz.info;
        auto m = marginal_by_country.find(z.country);
        if (m == marginal_by_country.end()) continue;
        const auto [year, value] = m->second;
        const std::string scope = z.key == z.country ? std::string() : z.country;
        auto [source, fresh] = marginal_sources.try_emplace({year, scope});
        if (fresh) {
            const std::string y = std::to_string(year);
            source->second = source_text(
                "marginal", scope.empty() ? cat({" ", y}) : cat({" ", y, ", country value for ", scope}));
        }
        z.values.push_back({IntensityKind::marginal, year, value, source->second, false});
    }

    // The database: zones sorted by key, and what the index will need.
    std::vector<std::size_t> order(found.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return found[a].info.key < found[b].info.key; });
    auto impl = std::make_shared<Impl>();
    impl->lookup = std::make_shared<Lookup>(std::move(countries), std::move(zone_table), std::move(ember));
    impl->zones.reserve(found.size());
    impl->lookup->zone_texts.reserve(found.size());
    for (std::size_t i : order) {
        impl->zones.push_back(std::move(found[i].info));
        impl->lookup->zone_texts.push_back(found[i].texts);
    }
    return impl;
}

std::unique_ptr<const ZoneDatabase::Impl::Index> ZoneDatabase::Impl::make_index() const {
    auto index = std::make_unique<Index>(
        DataTable("subdivisions.csv", {"code", "country", "name", "aliases", "zone", "match", "candidates"}));
    const DataTable& countries = lookup->countries;
    const DataTable& subdivisions = index->subdivisions;
    index->entries.reserve(2 * zones.size() + 4 * countries.size() + 2 * subdivisions.size());
    for (std::size_t i = 0; i < zones.size(); ++i) {
        const Lookup::ZoneTexts& z = lookup->zone_texts[i];
        index->add(zones[i].key, {Tier::zone_key, Source::zone_key, {}, i});
        index->add(z.name, {Tier::zone_name, Source::zone_name, z.name, i});
        if (!z.display_name.empty())
            index->add(z.display_name, {Tier::zone_name, Source::zone_name, z.display_name, i});
        for (std::string_view alias : split_aliases(z.aliases))
            index->add(alias, {Tier::zone_name, Source::zone_name, alias, i});
    }
    for (std::size_t row = 0; row < countries.size(); ++row) {
        const auto f = countries.row(row);
        const auto zone = zone_index(f[ALPHA2]);
        const auto entry = [&](Tier tier, Source source, std::string_view spelling) {
            index->add(spelling, {tier, source, spelling, zone, row});
        };
        entry(Tier::iso_code, Source::alpha2, f[ALPHA2]);
        entry(Tier::iso_code, Source::alpha3, f[ALPHA3]);
        entry(Tier::iso_code, Source::numeric, f[NUMERIC]);
        entry(Tier::country_name, Source::country_name, f[COUNTRY_NAME]);
        for (std::string_view alias : split_aliases(f[COUNTRY_ALIASES]))
            entry(Tier::country_name, Source::country_name, alias);
    }
    for (std::size_t row = 0; row < subdivisions.size(); ++row) {
        const auto f = subdivisions.row(row);
        std::optional<std::size_t> zone;
        if (!f[SUB_ZONE].empty()) {
            zone = zone_index(f[SUB_ZONE]);
            if (!zone)
                throw subdivisions.bad(
                    fmt::format("line {}: unknown zone {}", subdivisions.line(row), f[SUB_ZONE]));
        }
        index->add(f[CODE], {Tier::iso_code, Source::subdivision_code, f[CODE], zone, row});
        index->add(f[SUB_NAME], {Tier::subdivision_name, Source::subdivision_name, f[SUB_NAME], zone, row});
        for (std::string_view alias : split_aliases(f[SUB_ALIASES]))
            index->add(alias, {Tier::subdivision_name, Source::subdivision_name, alias, zone, row});
    }
    return index;
}

std::string ZoneDatabase::Impl::label(const Entry& e) const {
    const ZoneInfo& z = zones[*e.zone];
    if (e.tier == Tier::zone_key || e.tier == Tier::iso_code)
        return fmt::format("{} ({})", spelling(e), z.name);
    return fmt::format("{} ({})", spelling(e), z.key);
}

std::string ZoneDatabase::Impl::via(const Entry& e) const {
    const auto subdivision = [&] { return index().subdivisions.row(e.row); };
    const auto how = [&] {
        return subdivision()[MATCH] == "same_name" ? "zone of the same name" : "zone named after it";
    };
    switch (e.source) {
        case Source::zone_key:
            return "zone key";
        case Source::zone_name:
            return fmt::format("zone name {}", e.spelling);
        case Source::alpha2:
            return fmt::format("ISO 3166-1 alpha-2 code {}", e.spelling);
        case Source::alpha3:
            return fmt::format("ISO 3166-1 alpha-3 code {}", e.spelling);
        case Source::numeric:
            return fmt::format("ISO 3166-1 numeric code {}", e.spelling);
        case Source::country_name:
            return fmt::format("country name {}", e.spelling);
        case Source::subdivision_code:
            return fmt::format("ISO 3166-2 {}, {}", region_of(e), how());
        case Source::subdivision_name:
            return fmt::format("subdivision {} ({}), {}", e.spelling, subdivision()[CODE], how());
    }
    return {};
}

std::string ZoneDatabase::Impl::region_of(const Entry& e) const {
    if (e.from_countries()) {
        const auto f = lookup->countries.row(e.row);
        return fmt::format("{} ({})", f[COUNTRY_NAME], f[ALPHA2]);
    }
    const auto f = index().subdivisions.row(e.row);
    return fmt::format("{} ({})", f[CODE], f[SUB_NAME]);
}

std::string ZoneDatabase::Impl::no_data(const Entry& e) const {
    if (e.from_countries()) return fmt::format("{} has no carbon-intensity data in eco2", region_of(e));
    const auto f = index().subdivisions.row(e.row);
    std::vector<std::string> named;
    for (std::string_view key : split_aliases(f[CANDIDATES]))
        if (auto k = zone_index(key)) named.push_back(fmt::format("{} ({})", key, zones[*k].name));
    std::string out = fmt::format("{} is not covered by a single zone of {}", region_of(e),
                                  lookup->country_name(f[SUB_COUNTRY]));
    if (!named.empty()) out += fmt::format("; zones named after it: {}", fmt::join(named, ", "));
    out += fmt::format("; pick one of the zones of {} (eco2 regions {})", f[SUB_COUNTRY], f[SUB_COUNTRY]);
    return out;
}

std::optional<std::string_view> ZoneDatabase::Impl::country_named(const std::string& folded) const {
    const auto& entries = index().entries;
    auto it = entries.find(folded);
    if (it == entries.end()) return std::nullopt;
    std::optional<std::string_view> out;
    for (const Entry& e : it->second)
        if (e.from_countries()) out = lookup->countries.row(e.row)[ALPHA2];
    return out;
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
    for (const auto& [text, entries] : index().entries) {
        const std::size_t d = sys::edit_distance(folded, text);
        if (d > limit) continue;
        for (const Entry& e : entries)
            if (e.zone) found.push_back({d, e.tier, label(e), *e.zone});
    }
    const DataTable& clouds = cloud();
    for (std::size_t i = 0; i < clouds.size(); ++i) {
        const auto f = clouds.row(i);
        const std::size_t d = sys::edit_distance(folded, fold(f[CLOUD_REGION]));
        if (d <= limit)
            found.push_back({d, Tier::subdivision_name,
                             fmt::format("{} ({} region, {})", f[CLOUD_REGION],
                                         provider_label(f[CLOUD_PROVIDER]), f[CLOUD_ZONE]),
                             *zone_index(f[CLOUD_ZONE])});
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

const DataTable& ZoneDatabase::Impl::cloud() const {
    std::call_once(lookup->cloud_made, [&] {
        auto t = std::make_unique<const DataTable>(
            "cloud_regions.csv", std::initializer_list<std::string_view>{"provider", "region", "location",
                                                                         "zone", "reason", "source"});
        for (std::size_t i = 0; i < t->size(); ++i)
            if (!zone_index(t->row(i)[CLOUD_ZONE]))
                throw t->bad(fmt::format("line {}: unknown zone \"{}\"", t->line(i), t->row(i)[CLOUD_ZONE]));
        lookup->cloud = std::move(t);
    });
    return *lookup->cloud;
}

const DataTable& ZoneDatabase::Impl::states() const {
    std::call_once(lookup->states_made, [&] {
        auto t = std::make_unique<const DataTable>(
            "us_state_zones.csv",
            std::initializer_list<std::string_view>{"code", "zone", "candidates", "reason", "source"});
        for (std::size_t i = 0; i < t->size(); ++i) {
            std::vector<std::string_view> keys = split_aliases(t->row(i)[STATE_CANDIDATES]);
            if (!t->row(i)[STATE_ZONE].empty()) keys.push_back(t->row(i)[STATE_ZONE]);
            for (std::string_view k : keys)
                if (!zone_index(k)) throw t->bad(fmt::format("line {}: unknown zone \"{}\"", t->line(i), k));
        }
        lookup->states = std::move(t);
    });
    return *lookup->states;
}

std::optional<ZoneMatch> ZoneDatabase::Impl::state_zone(std::string_view region, const Entry& e) const {
    if (e.from_countries()) return std::nullopt;
    const auto sub = index().subdivisions.row(e.row);
    const DataTable& t = states();
    for (std::size_t i = 0; i < t.size(); ++i) {
        const auto f = t.row(i);
        if (f[STATE_CODE] != sub[CODE]) continue;
        std::vector<std::string> others;
        for (std::string_view k : split_aliases(f[STATE_CANDIDATES]))
            others.push_back(fmt::format("{} ({})", k, zones[*zone_index(k)].name));
        if (f[STATE_ZONE].empty())
            throw Error(
                Errc::not_found,
                fmt::format("region \"{}\": {} spans several zones: {}; the likely ones: {} (--region "
                            "ZONE; source: {})",
                            region, region_of(e), f[STATE_REASON], join_or(others), f[STATE_SOURCE]));
        const ZoneInfo& z = zones[*zone_index(f[STATE_ZONE])];
        return ZoneMatch{&z, fmt::format("ISO 3166-2 {} -> zone {}, the best single zone: {}{} (source: {})",
                                         region_of(e), z.key, f[STATE_REASON],
                                         others.empty() ? std::string()
                                                        : fmt::format("; elsewhere in the state: {}",
                                                                      fmt::join(others, ", ")),
                                         f[STATE_SOURCE])};
    }
    return std::nullopt;
}

ZoneMatch ZoneDatabase::Impl::cloud_match(std::size_t row) const {
    const auto f = cloud().row(row);
    const ZoneInfo& z = zones[*zone_index(f[CLOUD_ZONE])];
    return ZoneMatch{&z, fmt::format("{} region {} ({}) -> zone {}: {} (location from {})",
                                     provider_label(f[CLOUD_PROVIDER]), f[CLOUD_REGION], f[CLOUD_LOCATION],
                                     z.key, f[CLOUD_REASON], f[CLOUD_SOURCE])};
}

std::optional<ZoneMatch> ZoneDatabase::Impl::resolve_cloud(std::string_view region) const {
    const std::string text = fold(region);
    std::string provider, name = text;
    if (const auto cut = text.find_first_of(": "); cut != std::string::npos) {
        std::string p = fold(text.substr(0, cut));
        if (p == "google" || p == "gcloud" || p == "google cloud") p = "gcp";
        if (p == "aws" || p == "gcp" || p == "azure") {
            provider = p;
            name = fold(text.substr(cut + 1));
        }
    }
    const DataTable& t = cloud();
    std::vector<std::size_t> hits;
    for (std::size_t i = 0; i < t.size(); ++i)
        if ((provider.empty() || t.row(i)[CLOUD_PROVIDER] == provider) &&
            fold(t.row(i)[CLOUD_REGION]) == name)
            hits.push_back(i);
    if (hits.empty()) {
        if (provider.empty()) return std::nullopt;
        std::vector<std::pair<std::size_t, std::string>> near;
        for (std::size_t i = 0; i < t.size(); ++i)
            if (t.row(i)[CLOUD_PROVIDER] == provider)
                near.emplace_back(sys::edit_distance(name, t.row(i)[CLOUD_REGION]),
                                  std::string(t.row(i)[CLOUD_REGION]));
        std::sort(near.begin(), near.end());
        std::vector<std::string> names;
        for (const auto& [d, n] : near)
            if (names.size() < 3 && d <= 3) names.push_back(n);
        throw Error(Errc::not_found,
                    fmt::format("unknown {} region \"{}\": {}; eco2 knows {} regions of {}",
                                provider_label(provider), name,
                                names.empty() ? std::string("no close match")
                                              : fmt::format("did you mean {}?", join_or(names)),
                                near.size(), provider_label(provider)));
    }
    const auto first_zone = t.row(hits[0])[CLOUD_ZONE];
    for (std::size_t i : hits)
        if (t.row(i)[CLOUD_ZONE] != first_zone) {
            std::vector<std::string> named;
            for (std::size_t j : hits) named.push_back(fmt::format("{}:{}", t.row(j)[CLOUD_PROVIDER], name));
            throw Error(Errc::not_found, fmt::format("cloud region \"{}\" is ambiguous: it names {}; add the "
                                                     "provider (--cloud aws|gcp|azure)",
                                                     name, join_or(named)));
        }
    return cloud_match(hits[0]);
}

ZoneMatch ZoneDatabase::Impl::resolve(std::string_view region) const {
    std::string key = fold(region);
    if (key.empty()) throw Error(Errc::not_found, "empty region name; list the zones with `eco2 regions`");
    if (all_digits(key) && key.size() < 3)
        key.insert(0, 3 - key.size(), '0');  // ISO numeric codes are 3 digits
    // A zone key is the best match a text can have (Tier::zone_key), and no two keys fold to the same text
    // (load() checks): the sorted zones answer without the index.
    if (auto i = zone_index(key)) return ZoneMatch{&zones[*i], "zone key"};
    if (auto m = resolve_cloud(region)) return *m;
    const auto& index_entries = index().entries;
    auto it = index_entries.find(key);
    if (it == index_entries.end())
        throw Error(Errc::not_found,
                    fmt::format("unknown region \"{}\": {}", region, suggestions(fold(region))));
    const auto& entries = it->second;
    const Tier best = std::min_element(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
                          return a.tier < b.tier;
                      })->tier;
    std::vector<const Entry*> top;
    for (const Entry& e : entries) {
        if (e.tier != best) continue;
        const bool same =
            std::any_of(top.begin(), top.end(), [&](const Entry* t) { return t->same_target(e); });
        if (!same) top.push_back(&e);
    }
    if (top.size() == 1) {
        if (top[0]->zone) return ZoneMatch{&zones[*top[0]->zone], via(*top[0])};
        if (auto m = state_zone(region, *top[0])) return *m;
        throw Error(Errc::not_found, fmt::format("region \"{}\": {}", region, no_data(*top[0])));
    }
    std::vector<std::string> options;
    for (const Entry* e : top)
        options.push_back(e->zone ? fmt::format("{} ({})", zones[*e->zone].key, zones[*e->zone].name)
                                  : region_of(*e));
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
    // Never destroyed: tearing it down at exit would cost a tenth of building it, for nothing.
    static const ZoneDatabase* const db = new ZoneDatabase(Impl::load());
    return *db;
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
        const std::size_t index = *m_impl->zone_index(m.zone->key);
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
    const auto country = m_impl->country_named(q);
    for (const ZoneInfo& z : m_impl->zones) {
        bool hit = q.empty();
        if (country) {
            hit = z.country == *country;
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
