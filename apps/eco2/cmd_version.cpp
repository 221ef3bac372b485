// `eco2 version`: eco2's version; with --format table or json also how it was built and which measurement
// back ends it has.

#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>
#include <nlohmann/json.hpp>

#include "command.hpp"
#include "eco2/tracker.hpp"

namespace eco2::cli {
namespace {

// The command's own options (Options::own<VersionOptions>()): its --format has another default than the
// listings' --format.
struct VersionOptions {
    std::string format = "text";
};

const OptionRow VERSION_ROWS[] = {
    {"--format", nullptr, nullptr, Kind::text,
     "text: the version line (default); table or json: also the build and the back ends",
     bind<&VersionOptions::format>, [] { return CLI::Validator(CLI::IsMember({"text", "table", "json"})); }},
};

std::vector<RowGroup> options() {
    return {VERSION_ROWS};
}

// How this binary was built, from the compiler's own macros.
std::vector<std::pair<std::string, std::string>> build() {
    std::vector<std::pair<std::string, std::string>> b;
#if defined(__clang__)
    b.emplace_back("compiler", fmt::format("clang {}.{}.{}", __clang_major__, __clang_minor__, __clang_patchlevel__));
#elif defined(__GNUC__)
    b.emplace_back("compiler", fmt::format("gcc {}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
#endif
    b.emplace_back("c++", std::to_string(__cplusplus));
#if defined(__OPTIMIZE__)
    b.emplace_back("optimized", "yes");
#else
    b.emplace_back("optimized", "no");
#endif
#if defined(NDEBUG)
    b.emplace_back("assertions", "off");
#else
    b.emplace_back("assertions", "on");
#endif
    std::string sanitizers;
#if defined(__SANITIZE_ADDRESS__)
    sanitizers += "address ";
#endif
#if defined(__SANITIZE_THREAD__)
    sanitizers += "thread ";
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
    sanitizers += "address ";
#endif
#if __has_feature(thread_sanitizer)
    sanitizers += "thread ";
#endif
#endif
    if (!sanitizers.empty()) sanitizers.pop_back();
    b.emplace_back("sanitizers", sanitizers.empty() ? "none" : sanitizers);
    return b;
}

int run(const Options& options) {
    const VersionOptions& o = options.own<VersionOptions>();
    const std::string version(eco2::version());
    if (o.format == "text") {
        std::printf("eco2 %s\n", version.c_str());
        return 0;
    }
    const auto b = build();
    if (o.format == "json") {
        nlohmann::json j{{"version", version}};
        for (const auto& [k, v] : b) j["build"][k] = v;
        std::puts(j.dump(2).c_str());
        return 0;
    }
    std::string out = fmt::format("{:<12} {}\n", "version", version);
    for (const auto& [k, v] : b) out += fmt::format("{:<12} {}\n", k, v);
    std::fputs(out.c_str(), stdout);
    return 0;
}

}  // namespace

/// `eco2 version [--format text|table|json]`.
extern const CommandSpec version_command{
    .name = "version", .help = "print eco2's version", .options = options, .run = run};

}  // namespace eco2::cli
