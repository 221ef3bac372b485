#include "option_checks.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "carbon/estimate.hpp"
#include "carbon/tariff.hpp"
#include "eco2/error.hpp"
#include "http/http_client.hpp"

namespace eco2::cli::checks {
namespace {

std::string plain(double v) {
    if (std::abs(v) < 1e15 && v == std::floor(v)) return fmt::format("{:.0f}", v);
    std::string s = fmt::format("{:.9f}", v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

constexpr double NO_MAX = std::numeric_limits<double>::max();

}  // namespace

CLI::Validator number(double lo, double hi, bool lo_open, bool integer) {
    std::string want;
    const char* what = integer ? "a whole number" : "a number";
    if (hi < 1e300)
        want = fmt::format("{} from {} to {}", what, plain(lo), plain(hi));
    else
        want = fmt::format("{} {} {}", what, lo_open ? ">" : ">=", plain(lo));
    const std::string desc = hi < 1e300 ? fmt::format("{}..{}", plain(lo), plain(hi))
                                        : fmt::format("{}{}", lo_open ? ">" : ">=", plain(lo));
    return CLI::Validator(
        [=](const std::string& text) -> std::string {
            double v = 0;
            const char* b = text.data();
            const char* e = b + text.size();
            if (b != e && *b == '+') ++b;
            auto [ptr, ec] = std::from_chars(b, e, v);
            if (ec == std::errc::result_out_of_range)
                return fmt::format("{} is too large: give {}", text, want);
            if (ec != std::errc{} || ptr != e || !std::isfinite(v))
                return fmt::format("\"{}\" is not a number: give {}", text, want);
            if (integer && v != std::floor(v))
                return fmt::format("{} is not a whole number: give {}", text, want);
            if (v < lo || (lo_open && v == lo) || v > hi)
                return fmt::format("{} is out of range: give {}", text, want);
            return {};
        },
        desc);
}

CLI::Validator positive() {
    return number(0, NO_MAX, true, false);
}
CLI::Validator non_negative() {
    return number(0, NO_MAX, false, false);
}
CLI::Validator positive_int() {
    return number(1, NO_MAX, false, true);
}
CLI::Validator non_negative_int() {
    return number(0, NO_MAX, false, true);
}

CLI::Validator tariff() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            try {
                carbon::Tariff::parse(text);
                return {};
            } catch (const Error& e) {
                return e.what();
            }
        },
        "TARIFF");
}

CLI::Validator energy() {
    return CLI::Validator(
        [](const std::string& text) {
            return carbon::parse_energy_kwh(text)
                       ? std::string()
                       : "\"" + text + "\" is not an energy: write e.g. 1.37kWh, 1370Wh, 5MJ";
        },
        "ENERGY");
}

CLI::Validator clock() {
    return CLI::Validator(
        [](const std::string& text) -> std::string {
            try {
                carbon::Tariff::parse("00:00-" + text + "=0," + text + "-24:00=0");
                return {};
            } catch (const Error&) {
                return "\"" + text + "\" is not a local time HH:MM between 00:00 and 23:59";
            }
        },
        "HH:MM");
}

CLI::Validator table_or_json() {
    return CLI::IsMember({"table", "json"});
}

namespace {
// A check by one of the library's own parsers: its message names the expected form.
template <typename Parse>
CLI::Validator parsed_by(Parse parse, const char* form) {
    return CLI::Validator(
        [parse](const std::string& t) {
            try {
                (void)parse(t);
                return std::string();
            } catch (const Error& e) {
                return std::string(e.what());
            }
        },
        form);
}
}  // namespace

CLI::Validator listen_address() {
    return parsed_by([](const std::string& t) { return http::parse_listen_address(t); }, "HOST:PORT");
}
CLI::Validator url() {
    return parsed_by([](const std::string& t) { return http::split_url(t); }, "URL");
}

}  // namespace eco2::cli::checks
