// Resolving a region text (zone key, ISO code, name, cloud region, US state) to a zone, with messages that
// say how it matched or what comes closest.
#include "carbon/zone_database_impl.hpp"

namespace eco2 {
namespace zone_detail {

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

}  // namespace zone_detail

using namespace zone_detail;

namespace {
// Where a user of any interface finds the zones: only the command-line tool lists them (Python and the C API
// have no list), so the hint says it is a command, not an option of the caller's interface.
constexpr std::string_view ZONE_LIST_HINT = "the eco2 command lists the zones (eco2 regions)";
}  // namespace

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
    out += fmt::format("; pick one of the zones of {} (the eco2 command lists them: eco2 regions {})",
                       f[SUB_COUNTRY], f[SUB_COUNTRY]);
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
    if (labels.empty()) return "no close match; " + std::string(ZONE_LIST_HINT);
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
                fmt::format("region \"{}\": {} spans several zones: {}; the likely ones: {} (set one "
                            "of these zones; source: {})",
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
            throw Error(Errc::not_found, fmt::format("cloud region \"{}\" is ambiguous: it names {}; name "
                                                     "the provider too (one of these)",
                                                     name, join_or(named)));
        }
    return cloud_match(hits[0]);
}

ZoneMatch ZoneDatabase::Impl::resolve(std::string_view region) const {
    std::string key = fold(region);
    if (key.empty()) throw Error(Errc::not_found, "empty region name; " + std::string(ZONE_LIST_HINT));
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

}  // namespace eco2
