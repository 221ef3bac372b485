#include "sensors/cuda_visible_devices.hpp"

#include <algorithm>
#include <charconv>

namespace eco2::detail {
namespace {

std::string_view trim(std::string_view s) noexcept {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

}  // namespace

bool all_digits(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool has_index_entry(std::string_view value) noexcept {
    while (true) {
        const std::size_t comma = value.find(',');
        if (all_digits(trim(value.substr(0, comma)))) return true;
        if (comma == std::string_view::npos) return false;
        value.remove_prefix(comma + 1);
    }
}

std::vector<unsigned int> cuda_device_order(const std::optional<std::string>& order,
                                            const std::vector<double>& score, std::string& note) {
    std::vector<unsigned int> out(score.size());
    for (unsigned int i = 0; i < out.size(); ++i) out[i] = i;
    if (order && trim(*order) == "PCI_BUS_ID") return out;  // NVML enumerates in PCI bus order
    // FASTEST_FIRST: CUDA's default, and what CUDA does with any other value.
    if (score.size() < 2) return out;
    if (std::any_of(score.begin(), score.end(), [](double x) { return !(x > 0.0); })) {
        note =
            "CUDA_DEVICE_ORDER is FASTEST_FIRST (CUDA's default) but NVML gives no core count or clock for "
            "some GPU: CUDA_VISIBLE_DEVICES indices taken in PCI bus order (set CUDA_DEVICE_ORDER=PCI_BUS_ID "
            "to be exact)";
        return out;
    }
    if (std::all_of(score.begin(), score.end(), [&](double x) { return x == score.front(); })) return out;
    std::stable_sort(out.begin(), out.end(),
                     [&](unsigned int a, unsigned int b) { return score[a] > score[b]; });
    note =
        "CUDA_VISIBLE_DEVICES indices in CUDA's FASTEST_FIRST order, estimated as CUDA cores x max SM clock "
        "(set CUDA_DEVICE_ORDER=PCI_BUS_ID to be exact)";
    return out;
}

VisibleDevices parse_cuda_visible_devices(std::string_view value, const std::vector<std::string>& uuids) {
    CudaDeviceMap map;
    map.uuids = uuids;
    return parse_cuda_visible_devices(value, map);
}

VisibleDevices parse_cuda_visible_devices(std::string_view value, const CudaDeviceMap& map) {
    const std::vector<std::string>& uuids = map.uuids;
    VisibleDevices out;
    value = trim(value);
    if (value.empty()) return out;

    auto match = [&](std::string_view entry) -> std::optional<unsigned int> {
        if (entry.empty()) return std::nullopt;
        if (all_digits(entry)) {
            unsigned int index = 0;
            const auto [end, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), index);
            if (ec != std::errc() || end != entry.data() + entry.size() || index >= uuids.size())
                return std::nullopt;
            if (!map.cuda_order.empty()) return index < map.cuda_order.size() ? map.cuda_order[index] : index;
            return index;
        }
        // CUDA accepts a UUID or any prefix of it that is unique, "GPU-" included (CUDA environment variables
        // reference). MIG-... ids name a slice of a GPU: they count on their parent GPU.
        if (entry.size() > 4 && entry.substr(0, 4) == "MIG-") return std::nullopt;  // see below
        if (entry.size() <= 4 || entry.substr(0, 4) != "GPU-") return std::nullopt;
        std::optional<unsigned int> found;
        for (unsigned int i = 0; i < uuids.size(); ++i) {
            if (uuids[i].size() >= entry.size() &&
                std::string_view(uuids[i]).substr(0, entry.size()) == entry) {
                if (found) return std::nullopt;  // ambiguous prefix
                found = i;
            }
        }
        return found;
    };

    std::size_t start = 0;
    while (start <= value.size()) {
        const std::size_t comma = value.find(',', start);
        const std::size_t stop = comma == std::string_view::npos ? value.size() : comma;
        const std::string_view raw = value.substr(start, stop - start);
        const std::string_view entry = trim(raw);
        if (entry.size() > 4 && entry.substr(0, 4) == "MIG-") {
            const std::optional<unsigned int> parent =
                map.mig_parent ? map.mig_parent(entry) : std::optional<unsigned int>();
            if (!parent) {
                out.stopped_at = std::string(entry);
                break;
            }
            out.mig.push_back({*parent, std::string(entry)});
            if (comma == std::string_view::npos) break;
            start = comma + 1;
            continue;
        }
        const std::optional<unsigned int> index = match(entry);
        if (!index) {
            out.stopped_at = std::string(trim(raw));
            if (out.stopped_at.empty()) out.stopped_at = "(empty)";
            break;
        }
        if (std::find(out.indices.begin(), out.indices.end(), *index) == out.indices.end())
            out.indices.push_back(*index);
        if (comma == std::string_view::npos) break;
        start = comma + 1;
    }
    return out;
}

}  // namespace eco2::detail
