#pragma once
// A compact table of common server and workstation CPUs' thermal design power, typed from the vendors'
// product specification pages (Intel ARK, AMD product pages), each row citing its page. Used by the TDP
// model when powercap gives no rating. It is deliberately small: the hardware rating comes first.

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace eco2::detail {

struct CpuTdpEntry {
    std::string_view model;   ///< normalised model, lower case, e.g. "xeon gold 6248", "epyc 7763"
    double tdp_w;             ///< per socket, W
    std::string_view source;  ///< the specification page the value was typed from
};

std::span<const CpuTdpEntry> cpu_tdp_table() noexcept;

/// Lower-cases a /proc/cpuinfo model name and drops trademarks, "CPU", "Processor", "@ x.xxGHz" and
/// "N-Core", so "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz" becomes "intel xeon gold 6248".
std::string normalize_cpu_name(std::string_view name);

/// The entry whose model appears in the name as whole words; the longest such model wins.
std::optional<CpuTdpEntry> match_cpu_tdp(std::string_view cpuinfo_model_name);

}  // namespace eco2::detail
