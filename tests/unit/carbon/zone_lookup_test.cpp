#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "eco2/error.hpp"
#include "eco2/zones.hpp"

using namespace eco2;

namespace {

const ZoneDatabase& db() {
    return ZoneDatabase::builtin();
}

// The message of the not_found error that resolving text throws ("" when it resolves).
std::string not_found_message(std::string_view text) {
    try {
        db().resolve(text);
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::not_found) << e.what();
        return e.what();
    }
    return {};
}

}  // namespace

TEST(ZoneLookup, CountryByKeyCodesAndNameAreTheSameZone) {
    for (const char* text : {"FR", "fr", " Fr ", "FRA", "fra", "250", "France", "FRANCE", "france"}) {
        EXPECT_EQ(db().find(text).key, "FR") << text;
    }
    EXPECT_EQ(db().find("FR").name, "France");
    EXPECT_EQ(db().find("FR").country, "FR");
    EXPECT_EQ(db().find("FR").country_name, "France");
    EXPECT_EQ(db().resolve("FRA").via, "ISO 3166-1 alpha-3 code FRA");
    EXPECT_EQ(db().resolve("fr").via, "zone key");
}

TEST(ZoneLookup, EveryZoneKeyResolvesToItsZoneInAnyCase) {
    for (const ZoneInfo& z : db().zones()) {
        std::string lower = z.key;
        for (char& c : lower)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        for (const std::string& text : {z.key, lower, " " + lower + " "}) {
            const ZoneMatch m = db().resolve(text);
            EXPECT_EQ(m.zone, &z) << text;
            EXPECT_EQ(m.via, "zone key") << text;
        }
    }
    EXPECT_EQ(db().find("north  america").key, "NORTH AMERICA");  // an Ember aggregate: blanks fold
}

TEST(ZoneLookup, FirstLookupsFromManyThreadsAgree) {
    // The index of names is made by the first lookup that needs it, whichever thread that is.
    const ZoneDatabase db = ZoneDatabase::builtin().with_user_table({});
    std::vector<std::string> keys(8);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < keys.size(); ++i)
        threads.emplace_back([&db, &keys, i] { keys[i] = db.find(i % 2 ? "France" : "California").key; });
    for (std::thread& t : threads) t.join();
    for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i], i % 2 ? "FR" : "US-CAL-CISO") << i;
}

TEST(ZoneLookup, NumericCodesMayDropLeadingZeros) {
    EXPECT_EQ(db().find("840").key, "US");
    EXPECT_EQ(db().find("036").key, "AU");
    EXPECT_EQ(db().find("36").key, "AU");
}

TEST(ZoneLookup, CountryAliasesFromTheIsoPackage) {
    EXPECT_EQ(db().find("United States").key, "US");
    EXPECT_EQ(db().find("USA").key, "US");
    EXPECT_EQ(db().find("United Kingdom").key, "GB");
    EXPECT_EQ(db().find("Germany").key, "DE");
}

TEST(ZoneLookup, SubNationalZoneKeys) {
    EXPECT_EQ(db().find("US-CAL-CISO").name, "CAISO");
    EXPECT_EQ(db().find("us-cal-ciso").key, "US-CAL-CISO");
    EXPECT_EQ(db().find("AU-NSW").name, "New South Wales");
    EXPECT_EQ(db().find("AU-NSW").country, "AU");
    EXPECT_EQ(db().find("CA-QC").country_name, "Canada");
}

TEST(ZoneLookup, Iso3166_2SubdivisionsThatOneZoneStandsFor) {
    // California has no zone of its own: CAISO, the zone named after it, stands for it.
    const ZoneMatch ca = db().resolve("US-CA");
    EXPECT_EQ(ca.zone->key, "US-CAL-CISO");
    EXPECT_NE(ca.via.find("ISO 3166-2 US-CA (California)"), std::string::npos) << ca.via;
    EXPECT_EQ(db().find("us-ca").key, "US-CAL-CISO");
    EXPECT_EQ(db().find("California").key, "US-CAL-CISO");
    EXPECT_EQ(db().find("US-NY").key, "US-NY-NYIS");
    // Zone keys that are also ISO 3166-2 codes, and names spelled without accents.
    EXPECT_EQ(db().find("CA-QC").key, "CA-QC");
    EXPECT_EQ(db().find("Quebec").key, "CA-QC");
    EXPECT_EQ(db().find("Québec").key, "CA-QC");
    EXPECT_EQ(db().find("New South Wales").key, "AU-NSW");
    EXPECT_EQ(db().find("JP-13").key, "JP-TK");  // Tokyo prefecture lies in the Tokyo zone
    EXPECT_EQ(db().find("Tokyo").key, "JP-TK");
}

TEST(ZoneLookup, SubdivisionSplitAmongZonesIsAnErrorNamingThem) {
    const std::string msg = not_found_message("AU-ACT");
    EXPECT_NE(msg.find("not covered by a single zone"), std::string::npos) << msg;
    EXPECT_NE(msg.find("eco2 regions AU"), std::string::npos) << msg;
}

TEST(ZoneLookup, UsStatesGetTheBestZoneWithTheReasonOrTheLikelyOnes) {
    // Virginia: PJM, and why (issue 12: it used to say "pick one of the zones of US").
    const ZoneMatch va = db().resolve("Virginia");
    EXPECT_EQ(va.zone->key, "US-MIDA-PJM");
    EXPECT_NE(va.via.find(
                  "ISO 3166-2 US-VA (Virginia) -> zone US-MIDA-PJM, the best single zone: most of Virginia"),
              std::string::npos)
        << va.via;
    EXPECT_EQ(db().resolve("US-FL").zone->key, "US-FLA-FPL");
    EXPECT_NE(db().resolve("US-FL").via.find("US-FLA-TEC"), std::string::npos);
    // Wyoming has no best zone: a short list, not all ~60 US zones.
    const std::string wy = not_found_message("US-WY");
    EXPECT_NE(wy.find("Wyoming"), std::string::npos) << wy;
    EXPECT_NE(wy.find("the likely ones: US-NW-PACE (Pacificorp East) or US-NW-WACM"), std::string::npos)
        << wy;
    EXPECT_NE(not_found_message("Missouri").find("US-MIDW-MISO"), std::string::npos);
}

TEST(ZoneLookup, ZoneCodeThatIsAnotherPlacesIsoCodeKeepsTheZone) {
    // IT-NO is the North Italy zone for Electricity Maps and Novara for ISO 3166-2: the zone key wins.
    EXPECT_EQ(db().find("IT-NO").name, "North Italy");
}

TEST(ZoneLookup, TypoSuggestsClosestMatches) {
    EXPECT_EQ(not_found_message("Frnace"), "unknown region \"Frnace\": did you mean France (FR)?");
    const std::string key = not_found_message("US-CAL-CISX");
    EXPECT_NE(key.find("did you mean US-CAL-CISO (CAISO)"), std::string::npos) << key;
    const std::string none = not_found_message("Atlantis-Under-The-Sea");
    EXPECT_NE(none.find("no close match"), std::string::npos) << none;
    EXPECT_NE(not_found_message("").find("empty region"), std::string::npos);
}

TEST(ZoneLookup, NeverFallsBackToTheWorldAverage) {
    EXPECT_THROW(db().intensity("Narnia"), Error);
    const std::string msg = not_found_message("AQ");  // Antarctica: a country without data
    EXPECT_NE(msg.find("Antarctica (AQ) has no carbon-intensity data"), std::string::npos) << msg;
}

TEST(ZoneLookup, AmbiguousNameListsTheCandidates) {
    // Two ISO 3166-2 subdivisions of Denmark share this name (and neither is a zone).
    const std::string msg = not_found_message("København");
    EXPECT_NE(msg.find("ambiguous"), std::string::npos) << msg;
    EXPECT_NE(msg.find("DK-015"), std::string::npos) << msg;
    EXPECT_NE(msg.find("DK-101"), std::string::npos) << msg;
    // "Congo" is an alias of both CG and CD for ISO, but Electricity Maps names its CG zone "Congo".
    EXPECT_EQ(db().find("Congo").key, "CG");
}

TEST(ZoneIntensity, LatestYearByDefaultAndYearSelection) {
    const ZoneInfo& fr = db().find("FR");
    const std::vector<int> years = fr.years(IntensityKind::average);
    ASSERT_GE(years.size(), 5u);
    EXPECT_EQ(years.front(), 2021);

    const ZoneIntensity latest = db().intensity("FR");
    ASSERT_TRUE(latest.year);
    EXPECT_EQ(*latest.year, years.back());
    EXPECT_EQ(latest.zone, "FR");
    EXPECT_EQ(latest.kind, IntensityKind::average);
    EXPECT_NE(latest.source.find("Electricity Maps"), std::string::npos) << latest.source;
    EXPECT_NE(latest.source.find(std::to_string(years.back())), std::string::npos) << latest.source;

    const ZoneIntensity y2021 = db().intensity("France", 2021);
    ASSERT_TRUE(y2021.year);
    EXPECT_EQ(*y2021.year, 2021);
    EXPECT_GT(y2021.g_per_kwh, 0.0);
    EXPECT_LT(y2021.g_per_kwh, 200.0);  // nuclear and hydro: far below the world average
    EXPECT_NE(y2021.source.find("region \"France\""), std::string::npos) << y2021.source;

    try {
        db().intensity("FR", 1990);
        FAIL() << "1990 has no data";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::not_found);
        EXPECT_NE(std::string(e.what()).find("years with data are 2021, 2022"), std::string::npos)
            << e.what();
    }
}

TEST(ZoneIntensity, SubNationalValuesDifferFromTheirCountry) {
    const double qc = db().intensity("CA-QC", 2024).g_per_kwh;
    const double ab = db().intensity("CA-AB", 2024).g_per_kwh;
    EXPECT_LT(qc, 100.0);  // hydro
    EXPECT_GT(ab, 300.0);  // gas and coal
    EXPECT_GT(db().intensity("AU-NSW", 2024).g_per_kwh, db().intensity("AU-TAS", 2024).g_per_kwh);
}

TEST(ZoneIntensity, MarginalIsCountryLevel) {
    const ZoneIntensity fr = db().intensity("FR", std::nullopt, IntensityKind::marginal);
    ASSERT_TRUE(fr.year);
    EXPECT_EQ(*fr.year, 2021);
    EXPECT_EQ(fr.kind, IntensityKind::marginal);
    EXPECT_NE(fr.g_per_kwh, db().intensity("FR", 2021).g_per_kwh);

    const ZoneIntensity ciso = db().intensity("US-CAL-CISO", std::nullopt, IntensityKind::marginal);
    EXPECT_DOUBLE_EQ(ciso.g_per_kwh, db().intensity("US", std::nullopt, IntensityKind::marginal).g_per_kwh);
    EXPECT_NE(ciso.source.find("country value for US"), std::string::npos) << ciso.source;

    EXPECT_THROW(db().intensity("FR", 2024, IntensityKind::marginal), Error);
    EXPECT_THROW(db().intensity("WORLD", std::nullopt, IntensityKind::marginal), Error);
}

TEST(ZoneIntensity, EmberCoversCountriesAndAggregatesElectricityMapsLacks) {
    // Electricity Maps has only Russian sub-zones; Ember has the country, with no year.
    const ZoneIntensity ru = db().intensity("Russia");
    EXPECT_EQ(ru.zone, "RU");
    EXPECT_FALSE(ru.year);
    EXPECT_NE(ru.source.find("Ember"), std::string::npos) << ru.source;
    EXPECT_THROW(db().intensity("RU", 2024), Error);

    const ZoneIntensity world = ember_world_intensity();
    EXPECT_EQ(world.zone, "WORLD");
    EXPECT_GT(world.g_per_kwh, 300.0);
    EXPECT_LT(world.g_per_kwh, 600.0);
    EXPECT_EQ(WORLD_AVERAGE_G_PER_KWH, 436.5);  // the default stays eco2AI's figure
    EXPECT_EQ(db().find("world").key, "WORLD");
    EXPECT_EQ(db().find("EU").country, "");
}

TEST(ZoneIntensity, ProviderNamesZoneAndDataset) {
    const auto p = db().provider("fr", 2023);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->region(), "FR");
    EXPECT_NE(p->source().find("Electricity Maps"), std::string::npos) << p->source();
    EXPECT_NE(p->source().find("2023"), std::string::npos) << p->source();
    EXPECT_DOUBLE_EQ(p->at(std::chrono::system_clock::now()), db().intensity("FR", 2023).g_per_kwh);
    EXPECT_EQ(zone_intensity_provider("US-CA")->region(), "US-CAL-CISO");
}

TEST(ZoneListing, AllZonesSortedWithYearsAndSources) {
    const auto& zones = db().zones();
    EXPECT_GT(zones.size(), 350u);
    EXPECT_TRUE(std::is_sorted(zones.begin(), zones.end(),
                               [](const ZoneInfo& a, const ZoneInfo& b) { return a.key < b.key; }));
    for (const ZoneInfo& z : zones) {
        EXPECT_FALSE(z.values.empty()) << z.key;
        for (const ZoneValue& v : z.values) {
            EXPECT_GE(v.g_per_kwh, 0.0) << z.key;
            EXPECT_FALSE(v.source.empty()) << z.key;
        }
    }
}

TEST(ZoneListing, SearchByCountryOrText) {
    const auto us = db().search("USA");
    EXPECT_GT(us.size(), 50u);
    for (const ZoneInfo* z : us) EXPECT_EQ(z->country, "US") << z->key;
    const auto au = db().search("australia");
    EXPECT_TRUE(std::any_of(au.begin(), au.end(), [](const ZoneInfo* z) { return z->key == "AU-NSW"; }));
    const auto nordic = db().search("norway");
    EXPECT_TRUE(
        std::any_of(nordic.begin(), nordic.end(), [](const ZoneInfo* z) { return z->key == "NO-NO1"; }));
    const auto text = db().search("florida");
    EXPECT_TRUE(
        std::any_of(text.begin(), text.end(), [](const ZoneInfo* z) { return z->key == "US-FLA-FPL"; }));
    EXPECT_EQ(db().search("").size(), db().zones().size());
}

TEST(CloudRegions, ProviderRegionNamesResolveToTheZoneWhereTheProviderSaysTheyAre) {
    EXPECT_EQ(db().resolve("us-east-1").zone->key, "US-MIDA-PJM");
    EXPECT_EQ(db().resolve("aws:us-west-2").zone->key, "US-NW-BPAT");
    EXPECT_EQ(db().resolve("gcp:europe-west4").zone->key, "NL");
    EXPECT_EQ(db().resolve("Google europe-west4").zone->key, "NL");
    EXPECT_EQ(db().resolve("westeurope").zone->key, "NL");
    EXPECT_EQ(db().resolve("AZURE:WestUS2").zone->key, "US-NW-GCPD");
    const ZoneMatch m = db().resolve("us-east-1");
    EXPECT_NE(m.via.find("AWS region us-east-1 (US East (N. Virginia)) -> zone US-MIDA-PJM: "),
              std::string::npos)
        << m.via;
    EXPECT_NE(m.via.find("docs.aws.amazon.com"), std::string::npos) << m.via;
    // The intensity's source names the zone's dataset and how the region was read.
    EXPECT_NE(db().intensity("europe-west4").source.find("Google Cloud region europe-west4"),
              std::string::npos);
}

TEST(CloudRegions, UnknownRegionsOfAProviderSuggestTheClosest) {
    EXPECT_NE(not_found_message("aws:us-east-7").find("did you mean us-east-1"), std::string::npos)
        << not_found_message("aws:us-east-7");
    EXPECT_NE(not_found_message("azure:westeurop").find("westeurope"), std::string::npos);
    // A misspelt plain name is suggested among the other names.
    EXPECT_NE(not_found_message("europe-west44").find("europe-west4"), std::string::npos)
        << not_found_message("europe-west44");
}

TEST(CloudRegions, EveryRowNamesAKnownZoneAndAPublicSource) {
    // Every row of data/cloud_regions.csv resolves (the table checks its zones) and cites an https page.
    for (const std::string_view name : {"aws:ap-southeast-2", "gcp:asia-northeast1", "azure:swedencentral"})
        EXPECT_NE(db().resolve(name).via.find("https://"), std::string::npos) << name;
}
