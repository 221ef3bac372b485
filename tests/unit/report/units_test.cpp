#include <gtest/gtest.h>

#include <clocale>
#include <locale>

#include "report/units.hpp"

using namespace eco2::detail;

TEST(Units, ThreeSignificantDigitsNeverExponent) {
    EXPECT_EQ(sig3(0.0012345), "0.00123");
    EXPECT_EQ(sig3(999.6), "1000");
    EXPECT_EQ(sig3(9.996), "10.0");
    EXPECT_EQ(sig3(1.5), "1.50");
    EXPECT_EQ(sig3(123456.0), "123456");
    EXPECT_EQ(sig3(0.0), "0");
    EXPECT_EQ(sig3(-2.345), "-2.35");
    EXPECT_EQ(sig3(1e-9), "0.00000000100");
}

TEST(Units, EnergyChosenBySize) {
    EXPECT_EQ(format_energy(0), "0 J");
    EXPECT_EQ(format_energy(0.5), "500 mJ");
    EXPECT_EQ(format_energy(512), "512 J");
    EXPECT_EQ(format_energy(100.06), "100 J");
    EXPECT_EQ(format_energy(2.77947e-05 * 3.6e6), "100 J");
    EXPECT_EQ(format_energy(3599), "1.00 Wh");  // 3599 J rounds to 3600 J: shown in the larger unit
    EXPECT_EQ(format_energy(10000), "2.78 Wh");
    EXPECT_EQ(format_energy(1.23 * 3.6e6), "1.23 kWh");
    EXPECT_EQ(format_energy(4.56 * 3.6e9), "4.56 MWh");
    EXPECT_EQ(format_energy(12345 * 3.6e9), "12345 MWh");
}

TEST(Units, Co2PowerIntensity) {
    EXPECT_EQ(format_co2(0), "0 g");
    EXPECT_EQ(format_co2(5e-10), "0.500 µg");
    EXPECT_EQ(format_co2(5.12e-7), "512 µg");  // the largest unit the value reaches
    EXPECT_EQ(format_co2(5.12e-6), "5.12 mg");
    EXPECT_EQ(format_co2(0.0123), "12.3 g");
    EXPECT_EQ(format_co2(0.9996), "1.00 kg");
    EXPECT_EQ(format_co2(4560), "4.56 t");
    EXPECT_EQ(format_power(65), "65.0 W");
    EXPECT_EQ(format_power(0.512), "512 mW");
    EXPECT_EQ(format_power(1200), "1.20 kW");
    EXPECT_EQ(format_intensity(56), "56.0 gCO2/kWh");
}

TEST(Units, Durations) {
    EXPECT_EQ(format_duration(0.512), "0.512 s");
    EXPECT_EQ(format_duration(12.34), "12.3 s");
    EXPECT_EQ(format_duration(59.96), "1 min 00 s");
    EXPECT_EQ(format_duration(245), "4 min 05 s");
    EXPECT_EQ(format_duration(3720), "1 h 02 min");
    EXPECT_EQ(format_duration(2 * 86400 + 3 * 3600 + 100), "2 d 03 h");
}

namespace {
struct CommaDecimal : std::numpunct<char> {
    char do_decimal_point() const override { return ','; }
};
void expect_dot_decimals() {
    EXPECT_EQ(format_energy(10000), "2.78 Wh");
    EXPECT_EQ(format_co2(0.0123), "12.3 g");
    EXPECT_EQ(sig3(9.996), "10.0");
}
}  // namespace

TEST(Units, SameUnderACommaDecimalLocale) {
    std::locale previous = std::locale::global(std::locale(std::locale::classic(), new CommaDecimal));
    expect_dot_decimals();
    std::locale::global(previous);
    // The C library's locale too, where one with a comma is installed (strtod would read "2.78" as 2).
    const std::string saved = std::setlocale(LC_ALL, nullptr);
    for (const char* name : {"de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "fr_FR"})
        if (std::setlocale(LC_ALL, name)) {
            expect_dot_decimals();
            break;
        }
    std::setlocale(LC_ALL, saved.c_str());
}
