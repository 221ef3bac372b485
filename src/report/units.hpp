#pragma once
// Numbers for people: every figure a person reads (summaries, warnings, `eco2 estimate`, tables) goes
// through these, so that eco2 says "2.78 Wh" and "12.3 g CO2e", never "2.77947e-05 kWh". Three significant
// digits, never e-notation, '.' as the decimal point whatever the locale. Files keep full precision in fixed
// units (docs/records.md) and never use these.

#include <string>

namespace eco2::detail {

/// `v` with three significant digits (the integer part is kept whole: 1234.4 -> "1234"), no exponent:
/// 0.0012345 -> "0.00123", 999.6 -> "1000", 0 -> "0"; "nan", "inf" as such.
std::string sig3(double v);
/// Energy in J: "512 J", "2.78 Wh", "1.23 kWh", "4.56 MWh" (mJ and µJ below 1 J).
std::string format_energy(double joules);
/// Mass of CO2e in kg: "0.512 mg", "12.3 g", "1.23 kg", "4.56 t" (µg below 1 mg).
std::string format_co2(double kg);
/// Power in W: "512 mW", "65.0 W", "1.20 kW", "3.40 MW".
std::string format_power(double watts);
/// Duration in s: "0.512 s", "12.3 s", "4 min 05 s", "1 h 02 min", "2 d 03 h".
std::string format_duration(double seconds);
/// Carbon intensity: "56.0 gCO2/kWh".
std::string format_intensity(double g_per_kwh);

}  // namespace eco2::detail
