#include "carbon/tariff.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>

#include "eco2/error.hpp"
#include "sys/text.hpp"

namespace eco2::carbon {
namespace {

using sys::trim;

constexpr int DAY_MIN = 24 * 60;

Error bad(std::string_view what) {
    return Error(
        Errc::invalid_argument,
        fmt::format("tariff: {} (expected bands like \"07:00-23:00=0.25,23:00-07:00=0.12\" covering the "
                    "24 hours once, or one price for the whole day)",
                    what));
}

bool parse_price(std::string_view text, double& out) {
    text = trim(text);
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return !text.empty() && ec == std::errc{} && p == text.data() + text.size() && std::isfinite(out) &&
           out >= 0.0;
}

// "HH:MM" (H or HH), 00:00..24:00.
bool parse_time(std::string_view text, int& minute) {
    text = trim(text);
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 2 || text.size() != colon + 3) return false;
    int h = 0, m = 0;
    auto [hp, hec] = std::from_chars(text.data(), text.data() + colon, h);
    auto [mp, mec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), m);
    if (hec != std::errc{} || hp != text.data() + colon || mec != std::errc{} ||
        mp != text.data() + text.size())
        return false;
    if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0)) return false;
    minute = h * 60 + m;
    return true;
}

std::string range_text(int start, int end) {
    return format_minute(start) + "-" + format_minute(end);
}

}  // namespace

std::string format_minute(int minute) {
    return fmt::format("{:02}:{:02}", minute / 60, minute % 60);
}

Tariff Tariff::parse(std::string_view text) {
    Tariff t;
    text = trim(text);
    if (text.empty()) throw bad("empty");
    double flat = 0.0;
    if (text.find('=') == std::string_view::npos) {
        if (!parse_price(text, flat)) throw bad(fmt::format("\"{}\" is not a price >= 0", text));
        t.m_bands.push_back({0, DAY_MIN, flat});
    } else {
        std::size_t start = 0;
        while (start <= text.size()) {
            std::size_t sep = text.find_first_of(",;", start);
            if (sep == std::string_view::npos) sep = text.size();
            const std::string_view band = trim(text.substr(start, sep - start));
            start = sep + 1;
            if (band.empty()) {
                if (sep == text.size()) break;  // a trailing separator
                throw bad("empty band");
            }
            const auto eq = band.find('=');
            const auto dash = band.find('-');
            if (eq == std::string_view::npos || dash == std::string_view::npos || dash > eq)
                throw bad(fmt::format("\"{}\" is not HH:MM-HH:MM=PRICE", band));
            TariffBand b;
            if (!parse_time(band.substr(0, dash), b.start_min) ||
                !parse_time(band.substr(dash + 1, eq - dash - 1), b.end_min))
                throw bad(fmt::format("\"{}\": times must be HH:MM between 00:00 and 24:00", band));
            if (!parse_price(band.substr(eq + 1), b.price))
                throw bad(fmt::format("\"{}\": \"{}\" is not a price >= 0", band, trim(band.substr(eq + 1))));
            if (b.start_min == DAY_MIN) b.start_min = 0;
            if (b.end_min == 0) b.end_min = DAY_MIN;
            if (b.start_min == b.end_min)
                throw bad(fmt::format("\"{}\" is empty (use 00:00-24:00 for the whole day)", band));
            t.m_bands.push_back(b);
            if (sep == text.size()) break;
        }
    }

    t.m_band_of_minute.assign(DAY_MIN, -1);
    for (std::size_t i = 0; i < t.m_bands.size(); ++i) {
        const TariffBand& b = t.m_bands[i];
        int length = (b.end_min - b.start_min + DAY_MIN) % DAY_MIN;
        if (length == 0) length = DAY_MIN;  // 00:00-24:00
        for (int k = 0; k < length; ++k) {
            const int m = (b.start_min + k) % DAY_MIN;
            int& owner = t.m_band_of_minute[static_cast<std::size_t>(m)];
            if (owner >= 0) {
                // Report the whole overlapping stretch, not just its first minute.
                int end = k;
                while (end < length) {
                    const int mm = (b.start_min + end) % DAY_MIN;
                    if (t.m_band_of_minute[static_cast<std::size_t>(mm)] != owner) break;
                    ++end;
                }
                const TariffBand& o = t.m_bands[static_cast<std::size_t>(owner)];
                throw bad(fmt::format("{} and {} both cover {}", range_text(o.start_min, o.end_min),
                                      range_text(b.start_min, b.end_min),
                                      range_text(m, (b.start_min + end) % DAY_MIN)));
            }
            owner = static_cast<int>(i);
        }
    }
    for (int m = 0; m < DAY_MIN; ++m) {
        if (t.m_band_of_minute[static_cast<std::size_t>(m)] >= 0) continue;
        int end = m;
        while (end < DAY_MIN && t.m_band_of_minute[static_cast<std::size_t>(end)] < 0) ++end;
        throw bad(fmt::format("{} is not covered", range_text(m, end)));
    }
    return t;
}

double Tariff::price_at_minute(int minute) const noexcept {
    minute = ((minute % DAY_MIN) + DAY_MIN) % DAY_MIN;
    return m_bands[static_cast<std::size_t>(m_band_of_minute[static_cast<std::size_t>(minute)])].price;
}

double Tariff::mean_price(int start, long minutes) const noexcept {
    if (minutes <= 0) return price_at_minute(start);
    // Whole days contribute the daily mean; only the remainder needs walking.
    double day_sum = 0.0;
    for (int m = 0; m < DAY_MIN; ++m) day_sum += price_at_minute(m);
    const long days = minutes / DAY_MIN;
    const long rest = minutes % DAY_MIN;
    double sum = day_sum * static_cast<double>(days);
    for (long k = 0; k < rest; ++k) sum += price_at_minute(static_cast<int>((start + k) % DAY_MIN));
    return sum / static_cast<double>(minutes);
}

std::string Tariff::describe() const {
    std::string out;
    for (const TariffBand& b : m_bands) {
        if (!out.empty()) out += ", ";
        out += fmt::format("{} {:g}", range_text(b.start_min, b.end_min), b.price);
    }
    return out;
}

int local_minute_of_day(std::chrono::system_clock::time_point t) noexcept {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    if (::localtime_r(&tt, &tm) == nullptr) return 0;
    return tm.tm_hour * 60 + tm.tm_min;
}

namespace {

class TariffPrice final : public PriceProvider {
public:
    TariffPrice(Tariff tariff, std::string currency, MinuteOfDay clock)
        : m_tariff(std::move(tariff)), m_currency(std::move(currency)), m_clock(clock) {}
    double at(std::chrono::system_clock::time_point t) const noexcept override {
        return m_tariff.price_at_minute(m_clock(t));
    }
    std::string currency() const override { return m_currency; }

private:
    Tariff m_tariff;
    std::string m_currency;
    MinuteOfDay m_clock;
};

}  // namespace

std::shared_ptr<const PriceProvider> tariff_price(Tariff tariff, std::string currency, MinuteOfDay clock) {
    return std::make_shared<TariffPrice>(std::move(tariff), std::move(currency), clock);
}

}  // namespace eco2::carbon
