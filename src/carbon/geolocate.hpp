#pragma once
// Optional IP geolocation (off by default: it sends a request that reveals the machine's public address to
// the service). One HTTP(S) GET with a short timeout; the answer is parsed as JSON data only, and only
// country and region codes that look like codes are kept.

#include <chrono>
#include <string>
#include <string_view>

#include "carbon/location.hpp"

namespace eco2::carbon {

/// The service asked when none is configured. Its JSON has country_code and region_code.
inline constexpr std::string_view DEFAULT_GEOLOCATE_URL = "https://ipapi.co/json/";

/// Reads a geolocation answer: a JSON object with the country as "country_code", "countryCode" or "country"
/// (ISO 3166-1 alpha-2) and optionally the region as "region_code" or "region" (the ISO 3166-2 part after the
/// country, e.g. "CA" for US-CA) and "region"/"regionName" (name, for messages). Throws eco2::Error
/// (invalid_argument) when the text is not such an object, is larger than 64 KiB or the codes do not look
/// like codes.
GeoAnswer parse_geolocation(std::string_view json_text, std::string service);

/// GETs the URL (http:// or https://) with the timeout as a deadline for the whole request (however slowly
/// the answer trickles in; name resolution excepted, see docs/location.md), and parses the answer.
/// Throws eco2::Error(io_error) with the reason when the request fails or the status is not 200.
GeoAnswer geolocate(const std::string& url, std::chrono::milliseconds timeout);

}  // namespace eco2::carbon
