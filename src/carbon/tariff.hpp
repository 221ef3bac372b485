#pragma once
// Electricity price by time of day (eco2AI's electricity_pricing): a tariff of local-time bands that covers
// the 24 hours exactly once, e.g. "07:00-23:00=0.25,23:00-07:00=0.12", and the PriceProvider that applies it.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eco2/carbon.hpp"

namespace eco2::carbon {

/// One band of a tariff: [start, end) in minutes after local midnight; end < start wraps past midnight.
struct TariffBand {
    int start_min = 0;   ///< 0..1439
    int end_min = 0;     ///< 1..1440; 1440 is 24:00
    double price = 0.0;  ///< per kWh, finite and >= 0
};

/// A time-of-day tariff. Immutable; safe to share between threads.
class Tariff {
public:
    /// Parses "HH:MM-HH:MM=PRICE" bands separated by ',' or ';' (blanks allowed), or one plain price for the
    /// whole day ("0.2"). Times are local; 24:00 may end a band. The bands must cover 24 h without overlap.
    /// Throws eco2::Error(invalid_argument) naming the bad band, the gap ("23:00-23:30 is not covered") or
    /// the overlap ("07:00-23:00 and 22:00-07:00 both cover 22:00-23:00").
    static Tariff parse(std::string_view text);

    /// Price at a minute of the (local) day, 0..1439.
    double price_at_minute(int minute) const noexcept;
    /// Mean price over `minutes` minutes starting at minute `start` of the day (wraps past midnight).
    double mean_price(int start, long minutes) const noexcept;
    const std::vector<TariffBand>& bands() const noexcept { return m_bands; }
    /// "07:00-23:00 0.25, 23:00-07:00 0.12".
    std::string describe() const;

private:
    std::vector<TariffBand> m_bands;
    std::vector<int> m_band_of_minute;  // 1440 entries: index into m_bands
};

/// "HH:MM" of a minute of the day (1440 gives "24:00").
std::string format_minute(int minute);

/// Minute of the day of a time point, 0..1439. Must be thread-safe and never throw.
using MinuteOfDay = int (*)(std::chrono::system_clock::time_point) noexcept;

/// Minute of the day in the process's local time zone (localtime_r; TZ and /etc/localtime).
int local_minute_of_day(std::chrono::system_clock::time_point t) noexcept;

/// A PriceProvider applying the tariff at the local time of day (or the clock given, for tests).
std::shared_ptr<const PriceProvider> tariff_price(Tariff tariff, std::string currency,
                                                  MinuteOfDay clock = &local_minute_of_day);

}  // namespace eco2::carbon
