#include "export/pushgateway.hpp"

#include <exception>
#include <sstream>

#include <fmt/format.h>

#include "eco2/tracker.hpp"
#include "export/otlp_json.hpp"
#include "export/prometheus_text.hpp"
#include "http/http_client.hpp"

namespace eco2::metrics {
namespace {

bool plain(std::string_view v) {
    if (v.empty()) return false;
    for (char c : v)
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    return true;
}

std::string trimmed(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

// Runs one request; a warning unless the answer is 2xx.
std::optional<std::string> send(std::string_view what, std::string_view method, const std::string& url,
                                std::string_view content_type, const std::string& body,
                                std::chrono::milliseconds timeout) {
    try {
        const http::Answer a = http::request(method, url, content_type, body, timeout);
        if (a.status >= 200 && a.status < 300) return std::nullopt;
        if (a.status == 0) return fmt::format("{} to {} failed: {}", what, url, a.error);
        return fmt::format("{} to {} failed: HTTP {} {}", what, url, a.status, trimmed(a.body));
    } catch (const std::exception& e) {
        return fmt::format("{} to {} failed: {}", what, url, e.what());
    }
}

std::string gateway_url(const std::string& base, const Grouping& grouping) {
    std::string b = base;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b + grouping_path(grouping);
}

}  // namespace

std::string base64url(std::string_view bytes) {
    static constexpr char ALPHABET[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        for (int s = 18; s >= 0; s -= 6) out += ALPHABET[(v >> s) & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += ALPHABET[(v >> 18) & 63];
        out += ALPHABET[(v >> 12) & 63];
        out += rest == 2 ? ALPHABET[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

Grouping grouping_of(const MetricSet& set) {
    Grouping g{{"job", set.run && !set.run->job.empty() ? set.run->job : "eco2"}, {"instance", set.host}};
    if (set.run && !set.run->rank.empty()) g.emplace_back("rank", set.run->rank);
    return g;
}

std::string grouping_path(const Grouping& grouping) {
    std::string path = "/metrics";
    for (const auto& [name, value] : grouping) {
        if (plain(value)) path += "/" + name + "/" + value;
        else path += "/" + name + "@base64/" + (value.empty() ? std::string("=") : base64url(value));
    }
    return path;
}

std::optional<std::string> push_to_gateway(const std::string& base_url, const Grouping& grouping,
                                           const std::vector<MetricSet>& sets, std::chrono::milliseconds timeout) {
    std::ostringstream text;
    write_prometheus_text(text, sets);
    return send("Pushgateway push", "PUT", gateway_url(base_url, grouping), PROMETHEUS_CONTENT_TYPE, text.str(),
                timeout);
}

std::optional<std::string> delete_from_gateway(const std::string& base_url, const Grouping& grouping,
                                               std::chrono::milliseconds timeout) {
    return send("Pushgateway delete", "DELETE", gateway_url(base_url, grouping), {}, {}, timeout);
}

std::string otlp_metrics_url(std::string_view url) {
    std::string u(url);
    while (!u.empty() && u.back() == '/') u.pop_back();
    constexpr std::string_view PATH = "/v1/metrics";
    if (u.size() >= PATH.size() && u.compare(u.size() - PATH.size(), PATH.size(), PATH) == 0) return u;
    return u + std::string(PATH);
}

std::optional<std::string> push_otlp(const std::string& url, const std::vector<MetricSet>& sets,
                                     std::chrono::milliseconds timeout) {
    std::ostringstream body;
    write_otlp_json(body, sets, version());
    return send("OTLP export", "POST", otlp_metrics_url(url), "application/json", body.str(), timeout);
}

}  // namespace eco2::metrics
