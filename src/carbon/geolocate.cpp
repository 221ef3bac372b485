#include "carbon/geolocate.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "eco2/error.hpp"
#include "http/http_get.h"
#include "sys/fs_root.hpp"
#include "sys/system_context.hpp"

namespace eco2::carbon {
namespace {

constexpr std::size_t MAX_ANSWER = 64 * 1024;

// The HTTP module (src/http/), loaded at each request and never unloaded (dlopen hands back the same handle
// when it is already loaded).
struct HttpModule {
    eco2_http_get_fn get = nullptr;
    eco2_http_free_fn free = nullptr;
};

// ECO2_HTTP_MODULE when set; else beside the running program (the build tree), then in the library directory
// of its installation prefix.
std::vector<std::filesystem::path> http_module_candidates() {
    if (std::optional<std::string> v = sys::Environment::capture().non_empty("ECO2_HTTP_MODULE")) return {*v};
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink(sys::FsRoot::live().self_exe(), ec);
    if (ec) return {ECO2_HTTP_MODULE_NAME};  // the dynamic loader's search path
    const std::filesystem::path dir = exe.parent_path();
    return {dir / ECO2_HTTP_MODULE_NAME, (dir / ECO2_HTTP_MODULE_RELDIR / ECO2_HTTP_MODULE_NAME).lexically_normal()};
}

HttpModule load_http_module() {
    std::vector<std::string> tried;
    for (const auto& path : http_module_candidates()) {
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            std::error_code ec;
            tried.push_back(std::filesystem::exists(path, ec) ? fmt::format("{} ({})", path.string(), ::dlerror())
                                                              : path.string() + " (absent)");
            continue;
        }
        HttpModule m;
        m.get = reinterpret_cast<eco2_http_get_fn>(::dlsym(handle, ECO2_HTTP_GET_SYMBOL));
        m.free = reinterpret_cast<eco2_http_free_fn>(::dlsym(handle, ECO2_HTTP_FREE_SYMBOL));
        if (m.get != nullptr && m.free != nullptr) return m;
        tried.push_back(path.string() + " (not eco2's HTTP module: no " ECO2_HTTP_GET_SYMBOL ")");
        ::dlclose(handle);
    }
    throw Error(Errc::io_error,
                fmt::format("geolocation needs eco2's HTTP module, which did not load: {}; install eco2's runtime "
                            "component (`cmake --install BUILD --component runtime`) or set ECO2_HTTP_MODULE to "
                            "the path of {}",
                            fmt::join(tried, "; "), ECO2_HTTP_MODULE_NAME));
}

bool is_code(const std::string& s, std::size_t min, std::size_t max) {
    return s.size() >= min && s.size() <= max && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
           });
}

std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
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

    const HttpModule http = load_http_module();
    eco2_http_answer answer{};
    const int rc = http.get(origin.c_str(), path.c_str(), static_cast<long>(timeout.count()), MAX_ANSWER, &answer);
    const std::string body = answer.body ? std::string(answer.body, answer.body_size) : std::string();
    http.free(&answer);
    if (rc != 0) throw Error(Errc::io_error, fmt::format("geolocation: {}", answer.error));
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
