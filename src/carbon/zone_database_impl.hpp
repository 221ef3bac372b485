#pragma once
// The zone database's private parts, shared by zone_database.cpp (loading, index, values) and zone_lookup.cpp
// (resolving a region text, messages): the compiled-in tables and ZoneDatabase::Impl.

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
namespace zone_detail {

// Text helpers (zone_lookup.cpp).

// fold(s) is the lookup form of a text: trimmed, ASCII letters lower-cased, inner blanks collapsed. Bytes >=
// 0x80 are kept, so names with accents match as written; the data adds ASCII spellings as aliases. fold_into
// writes it to out, which has room for s.size() chars (it is never longer), and returns its length.
std::size_t fold_into(std::string_view s, char* out);
std::string fold(std::string_view s);
std::string upper(std::string_view s);
bool all_digits(std::string_view s);
// Concatenation, for the texts made while loading (cheaper than fmt::format for thousands of them).
std::string cat(std::initializer_list<std::string_view> parts);
// The non-empty items of "a|b|c", viewing field.
std::vector<std::string_view> split_aliases(std::string_view field);
// Whether s is the upper-case form of a folded text ("US-CAL-CISO", "NORTH AMERICA"): no lower-case letter,
// no blank but single spaces between words. Two such texts never fold to the same text.
bool folds_uniquely(std::string_view s);
// "AWS", "Google Cloud", "Azure": a cloud_regions.csv provider as people write it.
std::string_view provider_label(std::string_view p);
// "a, b or c".
std::string join_or(const std::vector<std::string>& items);
// An error in the compiled-in data, and the text of a compiled-in file.
Error bad_data(std::string_view file, std::string_view what);
std::string_view embedded_text(std::string_view file);

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
enum StateColumn { STATE_CODE, STATE_ZONE, STATE_CANDIDATES, STATE_REASON, STATE_SOURCE };

// Columns of cloud_regions.csv.
enum CloudColumn { CLOUD_PROVIDER, CLOUD_REGION, CLOUD_LOCATION, CLOUD_ZONE, CLOUD_REASON, CLOUD_SOURCE };

}  // namespace zone_detail

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
        explicit Index(zone_detail::DataTable subdivisions_) : subdivisions(std::move(subdivisions_)) {}
        void add(std::string_view text, const Entry& e);

        zone_detail::DataTable subdivisions;
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

        Lookup(zone_detail::DataTable countries_table, zone_detail::DataTable zones_table, zone_detail::DataTable ember_table)
            : countries(std::move(countries_table)), zone_table(std::move(zones_table)), ember(std::move(ember_table)) {}

        zone_detail::DataTable countries, zone_table, ember;
        std::vector<ZoneTexts> zone_texts;  // in the order of Impl::zones
        std::once_flag index_made;
        std::unique_ptr<const Index> index;
        // data/cloud_regions.csv, read on the first lookup that is not a zone key.
        std::once_flag cloud_made;
        std::unique_ptr<const zone_detail::DataTable> cloud;
        // data/us_state_zones.csv, read when a US state without a zone of its own is named.
        std::once_flag states_made;
        std::unique_ptr<const zone_detail::DataTable> states;

        // The name of a country by its alpha-2 code (the last row that has it), for messages: a scan will do.
        std::string_view country_name(std::string_view alpha2) const {
            for (std::size_t i = countries.size(); i-- > 0;)
                if (countries.row(i)[zone_detail::ALPHA2] == alpha2) return countries.row(i)[zone_detail::COUNTRY_NAME];
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
        const std::string k = zone_detail::upper(key);
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
    const zone_detail::DataTable& cloud() const;
    // nullopt when the text is no cloud region; throws Error(not_found) for an unknown region of a named
    // provider, or a plain name two providers use for different zones.
    std::optional<ZoneMatch> resolve_cloud(std::string_view region) const;
    ZoneMatch cloud_match(std::size_t row) const;

    // US states that span zones (data/us_state_zones.csv): the best zone with the reason, or throws
    // Error(not_found) with the likely zones; nullopt when the table has no row for the subdivision.
    const zone_detail::DataTable& states() const;
    std::optional<ZoneMatch> state_zone(std::string_view region, const Entry& e) const;
};

}  // namespace eco2
