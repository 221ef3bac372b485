#include "carbon/accelerators.hpp"

#include <algorithm>

#include "sys/text.hpp"

namespace eco2::carbon {
namespace {

// Maximum board power (NVIDIA "Max thermal design power (TDP)" / "Total graphics power"; AMD "Peak/typical
// board power"), from each product's datasheet or specification page.
constexpr Accelerator TABLE[] = {
    {"a100-sxm", "NVIDIA A100 SXM4 (40/80 GB)", "a100|a100sxm4|a100sxm440gb|a100sxm480gb", 400,
     "NVIDIA A100 Tensor Core GPU datasheet (nvidia.com, 2021): max TDP 400 W (SXM)"},
    {"a100-pcie", "NVIDIA A100 PCIe (80 GB)", "a100pcie80gb|a10080gbpcie", 300,
     "NVIDIA A100 Tensor Core GPU datasheet (nvidia.com, 2021): max TDP 300 W (A100 80GB PCIe)"},
    {"a100-pcie-40gb", "NVIDIA A100 PCIe (40 GB)", "a100pcie40gb", 250,
     "NVIDIA A100 Tensor Core GPU datasheet (nvidia.com, 2020): max TDP 250 W (A100 40GB PCIe)"},
    {"h100-sxm", "NVIDIA H100 SXM5", "h100|h100sxm5|h100sxm580gb|h10080gbhbm3", 700,
     "NVIDIA H100 Tensor Core GPU datasheet (nvidia.com, 2023): max TDP up to 700 W (SXM)"},
    {"h100-pcie", "NVIDIA H100 PCIe", "h100pcie80gb", 350,
     "NVIDIA H100 PCIe GPU product brief PB-11133-001 (2022): maximum TDP 350 W"},
    {"h100-nvl", "NVIDIA H100 NVL", "h100nvl|h100nvl94gb", 400,
     "NVIDIA H100 NVL product brief (nvidia.com, 2023): max TDP 350-400 W (configurable)"},
    {"h200", "NVIDIA H200 SXM", "h200sxm|h200sxm141gb|h200141gbhbm3e", 700,
     "NVIDIA H200 Tensor Core GPU datasheet (nvidia.com, 2024): max TDP up to 700 W (H200 SXM)"},
    {"h200-nvl", "NVIDIA H200 NVL", "h200nvl", 600,
     "NVIDIA H200 Tensor Core GPU datasheet (nvidia.com, 2024): max TDP up to 600 W (H200 NVL)"},
    {"b200", "NVIDIA B200 (HGX)", "b200sxm|b200180gb|b200192gb", 1000,
     "NVIDIA Blackwell architecture technical brief (nvidia.com, 2024): HGX B200 GPU configured at 1000 W"},
    {"gb200", "NVIDIA GB200 (one Blackwell GPU of the superchip, Grace CPU not included)",
     "gb200nvl72|gb200nvl", 1200,
     "NVIDIA Blackwell architecture technical brief (nvidia.com, 2024): GB200 GPU configured at 1200 W"},
    {"l40s", "NVIDIA L40S", "l40s48gb", 350,
     "NVIDIA L40S GPU datasheet (nvidia.com, 2023): max power consumption 350 W"},
    {"l40", "NVIDIA L40", "l4048gb", 300,
     "NVIDIA L40 GPU datasheet (nvidia.com, 2022): max power consumption 300 W"},
    {"a40", "NVIDIA A40", "a4048gb", 300,
     "NVIDIA A40 GPU datasheet (nvidia.com, 2021): max power consumption 300 W"},
    {"rtx-6000-ada", "NVIDIA RTX 6000 Ada Generation", "rtx6000ada|rtx6000adageneration|6000ada", 300,
     "NVIDIA RTX 6000 Ada Generation datasheet (nvidia.com, 2022): max power consumption 300 W"},
    {"gaudi2", "Intel Gaudi 2 (HL-225H OAM)", "gaudi 2|hl225h|habanagaudi2", 600,
     "Intel Gaudi 2 AI accelerator product brief (intel.com / habana.ai, 2022): 600 W TDP (OAM)"},
    {"gaudi3", "Intel Gaudi 3 (HL-325L OAM)", "gaudi 3|hl325l|habanagaudi3", 900,
     "Intel Gaudi 3 AI accelerator white paper (intel.com, 2024): 900 W TDP (OAM, air-cooled HL-325L)"},
    {"v100-sxm2", "NVIDIA V100 SXM2", "v100|v100sxm216gb|v100sxm232gb", 300,
     "NVIDIA Tesla V100 GPU datasheet (nvidia.com, 2020): max power 300 W (SXM2)"},
    {"v100-pcie", "NVIDIA V100 PCIe", "v100pcie16gb|v100pcie32gb", 250,
     "NVIDIA Tesla V100 GPU datasheet (nvidia.com, 2020): max power 250 W (PCIe)"},
    {"t4", "NVIDIA T4", "t416gb", 70,
     "NVIDIA T4 Tensor Core GPU datasheet (nvidia.com, 2019): max power 70 W"},
    {"a10", "NVIDIA A10", "a1024gb", 150,
     "NVIDIA A10 Tensor Core GPU datasheet (nvidia.com, 2021): max TDP 150 W"},
    {"l4", "NVIDIA L4", "l424gb", 72, "NVIDIA L4 Tensor Core GPU datasheet (nvidia.com, 2023): max TDP 72 W"},
    {"rtx-3090", "NVIDIA GeForce RTX 3090", "rtx3090|3090", 350,
     "NVIDIA GeForce RTX 3090 specifications (nvidia.com): total graphics power 350 W"},
    {"rtx-4090", "NVIDIA GeForce RTX 4090", "rtx4090|4090", 450,
     "NVIDIA GeForce RTX 4090 specifications (nvidia.com): total graphics power 450 W"},
    {"mi250x", "AMD Instinct MI250X (OAM)", "mi250x", 560,
     "AMD Instinct MI250X accelerator specifications (amd.com): peak board power 560 W"},
    {"mi300x", "AMD Instinct MI300X (OAM)", "mi300x", 750,
     "AMD Instinct MI300X accelerator datasheet (amd.com, 2023): peak board power 750 W"},
};

// Lower case; drops vendor and family words, blanks, '-', '_' so spellings compare equal.
std::string squash(std::string_view name) {
    std::string s;
    for (char c : name) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        s += c;
    }
    for (std::string_view word :
         {"nvidia", "amd", "instinct", "tesla", "geforce", "tensor core gpu", "intel", "habana"}) {
        for (auto at = s.find(word); at != std::string::npos; at = s.find(word)) s.erase(at, word.size());
    }
    std::erase_if(s, [](char c) { return c == ' ' || c == '-' || c == '_' || c == '\t'; });
    return s;
}

bool alias_match(const Accelerator& a, const std::string& squashed) {
    if (squash(a.key) == squashed) return true;
    std::string_view rest = a.aliases;
    while (!rest.empty()) {
        const auto bar = rest.find('|');
        if (squash(rest.substr(0, bar)) == squashed) return true;
        if (bar == std::string_view::npos) break;
        rest.remove_prefix(bar + 1);
    }
    return false;
}


}  // namespace

std::span<const Accelerator> accelerator_table() noexcept {
    return TABLE;
}

std::optional<Accelerator> find_accelerator(std::string_view name) {
    const std::string s = squash(name);
    if (s.empty()) return std::nullopt;
    for (const Accelerator& a : TABLE)
        if (alias_match(a, s)) return a;
    return std::nullopt;
}

std::vector<std::string> closest_accelerators(std::string_view name) {
    const std::string s = squash(name);
    std::vector<std::pair<std::size_t, std::string>> scored;
    for (const Accelerator& a : TABLE) {
        std::size_t d = sys::edit_distance(s, squash(a.key));
        if (squash(a.key).find(s) != std::string::npos && !s.empty()) d = 0;
        scored.emplace_back(d, std::string(a.key));
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::string> out;
    for (const auto& [d, key] : scored)
        if (out.size() < 3 && d <= 3) out.push_back(key);
    return out;
}

}  // namespace eco2::carbon
