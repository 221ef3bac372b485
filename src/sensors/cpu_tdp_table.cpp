#include "sensors/cpu_tdp_table.hpp"

#include <array>
#include <cctype>
#include <sstream>
#include <vector>

namespace eco2::detail {
namespace {

constexpr std::string_view ARK = "Intel ARK product specifications, ark.intel.com (Processor Base Power / TDP)";
constexpr std::string_view AMD_EPYC = "AMD EPYC product specifications, amd.com/en/products/processors/server/epyc (Default TDP)";
constexpr std::string_view AMD_DESKTOP = "AMD Ryzen product specifications, amd.com/en/products/processors/desktops (Default TDP)";

// Per-socket TDP. Sorted by vendor and family for review; matching does not depend on the order.
constexpr CpuTdpEntry TABLE[] = {
    // Intel Xeon Scalable, 1st gen (Skylake-SP)
    {"xeon platinum 8180", 205, ARK}, {"xeon platinum 8168", 205, ARK}, {"xeon platinum 8160", 150, ARK},
    {"xeon gold 6154", 200, ARK}, {"xeon gold 6148", 150, ARK}, {"xeon gold 6140", 140, ARK},
    {"xeon gold 6130", 125, ARK}, {"xeon gold 5118", 105, ARK}, {"xeon silver 4114", 85, ARK},
    {"xeon silver 4116", 85, ARK},
    // 2nd gen (Cascade Lake)
    {"xeon platinum 8280", 205, ARK}, {"xeon platinum 8276", 165, ARK}, {"xeon platinum 8268", 205, ARK},
    {"xeon platinum 8260", 165, ARK}, {"xeon gold 6248", 150, ARK}, {"xeon gold 6248r", 205, ARK},
    {"xeon gold 6252", 150, ARK}, {"xeon gold 6240", 150, ARK}, {"xeon gold 6230", 125, ARK},
    {"xeon gold 6226r", 150, ARK}, {"xeon gold 5218", 125, ARK}, {"xeon gold 5220", 125, ARK},
    {"xeon silver 4210", 85, ARK}, {"xeon silver 4214", 85, ARK}, {"xeon silver 4216", 100, ARK},
    // 3rd gen (Ice Lake-SP)
    {"xeon platinum 8380", 270, ARK}, {"xeon platinum 8368", 270, ARK}, {"xeon platinum 8358", 250, ARK},
    {"xeon gold 6348", 235, ARK}, {"xeon gold 6338", 205, ARK}, {"xeon gold 6330", 205, ARK},
    {"xeon silver 4314", 135, ARK}, {"xeon silver 4310", 120, ARK},
    // 4th gen (Sapphire Rapids)
    {"xeon platinum 8480+", 350, ARK}, {"xeon platinum 8470", 350, ARK}, {"xeon platinum 8468", 350, ARK},
    {"xeon gold 6448y", 225, ARK}, {"xeon gold 6430", 270, ARK},
    // Xeon E5 (Haswell-EP, Broadwell-EP), still common in older clusters
    {"xeon e5-2680 v3", 120, ARK}, {"xeon e5-2690 v3", 135, ARK}, {"xeon e5-2620 v4", 85, ARK},
    {"xeon e5-2630 v4", 85, ARK}, {"xeon e5-2650 v4", 105, ARK}, {"xeon e5-2680 v4", 120, ARK},
    {"xeon e5-2690 v4", 135, ARK}, {"xeon e5-2698 v4", 135, ARK},
    // Xeon W and Core workstations
    {"xeon w-2295", 165, ARK}, {"xeon w-3275", 205, ARK},
    {"core i7-8700k", 95, ARK}, {"core i7-9700k", 95, ARK}, {"core i9-9900k", 95, ARK},
    {"core i9-10900k", 125, ARK}, {"core i7-12700k", 125, ARK}, {"core i9-12900k", 125, ARK},
    {"core i9-13900k", 125, ARK}, {"core i7-10750h", 45, ARK}, {"core i7-8550u", 15, ARK},
    {"core i5-8250u", 15, ARK},
    // AMD EPYC 7001 / 7002 / 7003 / 9004
    {"epyc 7551", 180, AMD_EPYC}, {"epyc 7601", 180, AMD_EPYC}, {"epyc 7302", 155, AMD_EPYC},
    {"epyc 7402", 180, AMD_EPYC}, {"epyc 7452", 155, AMD_EPYC}, {"epyc 7502", 180, AMD_EPYC},
    {"epyc 7702", 200, AMD_EPYC}, {"epyc 7742", 225, AMD_EPYC}, {"epyc 7h12", 280, AMD_EPYC},
    {"epyc 7313", 155, AMD_EPYC}, {"epyc 7413", 180, AMD_EPYC}, {"epyc 7513", 200, AMD_EPYC},
    {"epyc 7543", 225, AMD_EPYC}, {"epyc 7713", 225, AMD_EPYC}, {"epyc 7763", 280, AMD_EPYC},
    {"epyc 9354", 280, AMD_EPYC}, {"epyc 9554", 360, AMD_EPYC}, {"epyc 9654", 360, AMD_EPYC},
    // AMD Ryzen / Threadripper workstations
    {"ryzen 9 5950x", 105, AMD_DESKTOP}, {"ryzen 9 7950x", 170, AMD_DESKTOP},
    {"ryzen threadripper 3990x", 280, AMD_DESKTOP},
};

std::vector<std::string> words(std::string_view s) {
    std::vector<std::string> out;
    std::istringstream in{std::string(s)};
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

}  // namespace

std::span<const CpuTdpEntry> cpu_tdp_table() noexcept { return TABLE; }

std::string normalize_cpu_name(std::string_view name) {
    std::string s;
    s.reserve(name.size());
    for (char c : name) s.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    // (Built by concatenation: GCC 12 warns falsely about std::string::replace here at -O3.)
    for (std::string_view mark : {"(r)", "(tm)", "®", "™"}) {
        for (std::size_t p; (p = s.find(mark)) != std::string::npos;)
            s = s.substr(0, p) + " " + s.substr(p + mark.size());
    }
    if (std::size_t at = s.find('@'); at != std::string::npos) s.erase(at);
    std::string out;
    for (const auto& w : words(s)) {
        if (w == "cpu" || w == "processor") continue;
        if (w.size() > 5 && w.compare(w.size() - 5, 5, "-core") == 0) continue;
        if (!out.empty()) out.push_back(' ');
        out += w;
    }
    return out;
}

std::optional<CpuTdpEntry> match_cpu_tdp(std::string_view cpuinfo_model_name) {
    const std::vector<std::string> name = words(normalize_cpu_name(cpuinfo_model_name));
    std::optional<CpuTdpEntry> best;
    for (const auto& e : TABLE) {
        const std::vector<std::string> model = words(e.model);
        if (model.size() > name.size()) continue;
        for (std::size_t i = 0; i + model.size() <= name.size(); ++i) {
            bool all = true;
            for (std::size_t j = 0; j < model.size() && all; ++j) all = name[i + j] == model[j];
            if (all && (!best || e.model.size() > best->model.size())) best = e;
        }
    }
    return best;
}

}  // namespace eco2::detail
