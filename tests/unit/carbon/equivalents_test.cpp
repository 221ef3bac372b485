#include "report/equivalents.hpp"

#include <gtest/gtest.h>

#include <clocale>
#include <set>

using namespace eco2::detail;

TEST(Equivalents, FourCitedFactorsInOnePlace) {
    std::set<std::string_view> keys;
    for (const EquivalentFactor& f : equivalent_factors()) {
        keys.insert(f.key);
        EXPECT_GT(f.kg_co2_per_unit, 0.0) << f.key;
        EXPECT_NE(f.source.find("20"), std::string_view::npos) << "source names a year: " << f.key;
    }
    EXPECT_EQ(keys,
              (std::set<std::string_view>{"car_km", "flight_pkm", "smartphone_charges", "tree_months"}));
}

TEST(Equivalents, AmountIsCo2DividedByTheFactor) {
    const auto eq = equivalents(10.0);
    ASSERT_EQ(eq.size(), equivalent_factors().size());
    for (std::size_t i = 0; i < eq.size(); ++i)
        EXPECT_DOUBLE_EQ(eq[i].amount, 10.0 / equivalent_factors()[i].kg_co2_per_unit);
    // The cited figures: EPA 404 g/mile, BEIS 0.15573 kg/pkm, EPA 12.4 g per charge, 60 kg per 120
    // tree-months.
    EXPECT_NEAR(eq[0].amount, 10.0 / (0.404 / 1.609344), 1e-9);
    EXPECT_NEAR(eq[1].amount, 10.0 / 0.15573, 1e-9);
    EXPECT_NEAR(eq[2].amount, 10.0 / 0.0124, 1e-9);
    EXPECT_NEAR(eq[3].amount, 10.0 / 0.5, 1e-9);
}

TEST(Equivalents, LineIsLabelledApproximateAndLocaleFree) {
    const char* old = std::setlocale(LC_ALL, nullptr);
    const std::string saved = old ? old : "C";
    std::setlocale(LC_ALL, "de_DE.UTF-8");  // may be missing; the check holds either way
    const std::string line = format_equivalents(0.3288);
    std::setlocale(LC_ALL, saved.c_str());
    EXPECT_NE(line.find("approximate"), std::string::npos);
    EXPECT_NE(line.find("~1.3 km by car"), std::string::npos) << line;
    EXPECT_NE(line.find("~27 smartphone charges"), std::string::npos) << line;
    EXPECT_NE(line.find("~0.66 tree-months"), std::string::npos) << line;
}
