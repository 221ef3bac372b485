#include "carbon/geolocate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "eco2/error.hpp"
#include "http/http_client.hpp"
#include "sys/text.hpp"

namespace eco2::carbon {
namespace {

using sys::upper;

constexpr std::size_t MAX_ANSWER = 64 * 1024;

bool is_code(const std::string& s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
}

// The first of the keys whose value is a string, else empty.
std::string string_field(const nlohmann::json& j, std::initializer_list<const char*> keys) {
    for (const char* k : keys) {
        auto it = j.find(k);
        if (it != j.end() && it->is_string()) return it->get<std::string>();
    }
    return {};
}

// Keeps printable ASCII and UTF-8 bytes, at most 80 bytes: the name only goes into messages.
std::string printable(const std::string& s) {
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20 && u != 0x7f) out += c;
        if (out.size() >= 80) break;
    }
    return out;
}

}  // namespace

GeoAnswer parse_geolocation(std::string_view text, std::string service) {
    const auto bad = [&](std::string_view what) {
        return Error(Errc::invalid_argument, fmt::format("geolocation answer from {}: {}", service, what));
    };
    if (text.size() > MAX_ANSWER)
        throw bad(fmt::format("{} bytes, more than the {} accepted", text.size(), MAX_ANSWER));
    const nlohmann::json j =
        nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) throw bad("not a JSON object");
    GeoAnswer a;
    a.service = std::move(service);
    const std::string country = string_field(j, {"country_code", "countryCode", "country"});
    if (!is_code(country, 2, 2))
        throw bad(country.empty()
                      ? "no country code"
                      : fmt::format("country \"{}\" is not an ISO 3166-1 alpha-2 code", printable(country)));
    a.country = upper(country);
    const std::string region_code = string_field(j, {"region_code", "regionCode", "region"});
    if (is_code(region_code, 1, 3)) a.subdivision = a.country + "-" + upper(region_code);
    a.region_name = printable(string_field(j, {"region", "regionName", "region_name"}));
    return a;
}

GeoAnswer geolocate(const std::string& url, std::chrono::milliseconds timeout) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos ||
        (url.compare(0, scheme_end, "http") != 0 && url.compare(0, scheme_end, "https") != 0))
        throw Error(Errc::invalid_argument,
                    fmt::format("geolocation URL \"{}\" must start with http:// or https://", url));
    const auto path_start = url.find('/', scheme_end + 3);
    const std::string origin = url.substr(0, path_start);
    const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);

    const http::Answer answer = http::get_json(origin, path, timeout, MAX_ANSWER);
    const std::string& body = answer.body;
    if (answer.unusable_origin) throw Error(Errc::io_error, fmt::format("geolocation: {}", answer.error));
    if (answer.too_big)
        throw Error(Errc::io_error,
                    fmt::format("geolocation: the answer from {} is larger than 64 KiB", url));
    if (answer.status == 0)
        throw Error(Errc::io_error, fmt::format("geolocation: no answer from {} within {} ms ({})", url,
                                                timeout.count(), answer.error));
    if (answer.status != 200)
        throw Error(Errc::io_error, fmt::format("geolocation: {} answered HTTP {}", url, answer.status));
    return parse_geolocation(body, url);
}

}  // namespace eco2::carbon
