#pragma once
// Validators for option rows (OptionRow::check), with messages people can read: "abc" is not a number;
// -3 is out of range: give a number >= 0 (plain digits, never CLI11's "0 to 1.79769e+308").

#include <CLI/CLI.hpp>

namespace eco2::cli::checks {

/// A number (or a whole number) from lo to hi; hi >= 1e300: no maximum; lo_open: lo itself refused.
CLI::Validator number(double lo, double hi, bool lo_open, bool integer);

// (No template <double Lo, double Hi> range(): clang 14, which builds the fuzz targets, has no floating-point
// template parameters; a row gives `[] { return checks::number(lo, hi, false, false); }` instead.)
template <int Lo, int Hi>
CLI::Validator int_range() {
    return number(Lo, Hi, false, true);
}
CLI::Validator positive();          ///< > 0
CLI::Validator non_negative();      ///< >= 0
CLI::Validator positive_int();      ///< whole, >= 1
CLI::Validator non_negative_int();  ///< whole, >= 0
CLI::Validator tariff();            ///< "07:00-23:00=0.25,23:00-07:00=0.12" or one price
CLI::Validator energy();            ///< 1.37kWh, 1370Wh, 5MJ
CLI::Validator clock();             ///< HH:MM
CLI::Validator table_or_json();     ///< --format table|json
CLI::Validator listen_address();    ///< HOST:PORT (the library's parser says what is wrong)
CLI::Validator url();               ///< http://HOST[:PORT][/PATH]

}  // namespace eco2::cli::checks
