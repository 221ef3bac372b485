// The zone database: loading the compiled-in tables, the lookup index, values by zone, year and kind.
#include "carbon/zone_database_impl.hpp"

namespace eco2 {
using namespace zone_detail;

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
