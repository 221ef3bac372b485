#include "sensors/amdgpu_sensor.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <memory>
#include <system_error>

namespace eco2::detail {
namespace {

namespace fs = std::filesystem;

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();

// The hwmon files eco2 reads, best first; all in micro-units (µJ, µW).
struct Reading {
    const char* file;
    ChannelKind kind;
};
constexpr Reading READINGS[] = {
    {"energy1_input", ChannelKind::energy_counter},
    {"power1_average", ChannelKind::power},
    {"power1_input", ChannelKind::power},
};

struct CardChannel {
    Channel channel;
    fs::path file;
    std::string card;  // "card0"
    std::string reading;
    std::string name;
};

// card<digits> (not the connectors card0-DP-1, nor the render nodes).
std::optional<unsigned int> card_number(const std::string& entry) {
    if (entry.size() <= 4 || entry.compare(0, 4, "card") != 0) return std::nullopt;
    unsigned int n = 0;
    const char* first = entry.data() + 4;
    const char* last = entry.data() + entry.size();
    const auto [end, ec] = std::from_chars(first, last, n);
    if (ec != std::errc() || end != last) return std::nullopt;
    return n;
}

class AmdgpuSensor final : public Sensor {
public:
    AmdgpuSensor(std::vector<CardChannel> cards, std::string source, std::shared_ptr<const sys::FileReader> reader)
        : m_cards(std::move(cards)), m_source(std::move(source)), m_reader(std::move(reader)) {
        for (const CardChannel& c : m_cards) m_channels.push_back(c.channel);
        std::vector<std::string> names;
        for (const CardChannel& c : m_cards) names.push_back(c.name);
        m_names = summarize_device_names(names);
    }

    std::string_view backend() const noexcept override { return "amdgpu"; }
    const std::vector<Channel>& channels() const noexcept override { return m_channels; }

    void read(const TreeSample& tree, double* values) noexcept override {
        (void)tree;
        for (std::size_t i = 0; i < m_cards.size(); ++i) {
            const std::optional<unsigned long long> micro = sys::read_u64(*m_reader, m_cards[i].file);
            values[i] = micro ? static_cast<double>(*micro) * 1e-6 : NaN;  // µJ -> J, µW -> W
            if (!micro) fail(i);
        }
    }

    std::string source() const override { return m_source; }
    bool estimated() const noexcept override { return false; }
    std::string device_names() const override { return m_names; }

private:
    // The log keeps only its first message: the text (which allocates) is built for that one only.
    void fail(std::size_t i) noexcept {
        if (m_failures.count() == 0) {
            try {
                m_failures.record(m_channels[i].id + ": cannot read " + m_cards[i].file.string());
                return;
            } catch (const std::bad_alloc&) {
            }
        }
        m_failures.record(m_channels[i].id);
    }

    std::vector<CardChannel> m_cards;  // m_cards[i] feeds m_channels[i]
    std::vector<Channel> m_channels;
    std::string m_source;
    std::string m_names;
    std::shared_ptr<const sys::FileReader> m_reader;
};

// "energy1_input: card1; power1_average: card0,card2", in READINGS order.
std::string describe_readings(const std::vector<CardChannel>& cards) {
    std::vector<std::string> parts;
    for (const Reading& r : READINGS) {
        std::string labels;
        for (const CardChannel& c : cards)
            if (c.reading == r.file) labels += (labels.empty() ? "" : ",") + c.card;
        if (!labels.empty()) parts.push_back(fmt::format("{}: {}", r.file, labels));
    }
    return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

std::vector<AmdgpuCard> list_amdgpu_cards(const sys::FsRoot& root, const sys::FileReader& reader) {
    std::vector<AmdgpuCard> out;
    std::error_code ec;
    for (fs::directory_iterator it(root.drm(), ec), end; !ec && it != end; it.increment(ec)) {
        const std::optional<unsigned int> n = card_number(it->path().filename().string());
        if (!n) continue;
        const fs::path device = it->path() / "device";
        std::vector<fs::path> hwmons;
        std::error_code hec;
        for (fs::directory_iterator h(device / "hwmon", hec), hend; !hec && h != hend; h.increment(hec))
            hwmons.push_back(h->path());
        std::sort(hwmons.begin(), hwmons.end());
        for (const fs::path& h : hwmons) {
            if (sys::read_line(reader, h / "name") != "amdgpu") continue;
            AmdgpuCard card;
            card.index = *n;
            card.hwmon = h;
            const std::optional<std::string> product = sys::read_line(reader, device / "product_name");
            card.name = product && !product->empty() ? *product : "AMD GPU";
            out.push_back(std::move(card));
            break;
        }
    }
    std::sort(out.begin(), out.end(), [](const AmdgpuCard& a, const AmdgpuCard& b) { return a.index < b.index; });
    return out;
}

Discovery discover_amdgpu(const sys::SystemContext& context, const DiscoveryRequest& request) {
    Discovery d;
    ProbeReport& r = d.report;
    r.backend = "amdgpu";
    const std::vector<AmdgpuCard> cards = list_amdgpu_cards(context.fs(), context.reader());
    if (cards.empty()) {
        r.status = ProbeStatus::absent;
        r.reason = fmt::format("no amdgpu hwmon under {}/card*/device/hwmon (no AMD GPU, or the amdgpu driver is "
                               "not loaded)",
                               context.fs().drm().string());
        r.fix = "with an AMD GPU: load the amdgpu driver (`modprobe amdgpu`); in a container: mount the host's "
                "/sys and set ECO2_SYS_ROOT";
        return d;
    }

    std::vector<CardChannel> readable;
    std::vector<std::string> dropped;
    bool denied = false;
    for (const AmdgpuCard& card : cards) {
        const std::string label = "card" + std::to_string(card.index);
        std::string why = "no energy1_input, power1_average or power1_input";
        bool found = false;
        for (const Reading& reading : READINGS) {
            const fs::path file = card.hwmon / reading.file;
            const sys::ReadResult res = context.reader().read(file);
            if (res.status == sys::ReadStatus::not_found) continue;
            if (res.ok() && sys::parse_u64(res.text)) {
                CardChannel c;
                c.channel.id = "amdgpu.gpu." + std::to_string(card.index);
                c.channel.component = Component::gpu;
                c.channel.kind = reading.kind;
                c.channel.wrap_j = 0.0;  // a 64-bit µJ counter: no wrap within any run
                c.channel.attribution = Attribution::direct;
                c.file = file;
                c.card = label;
                c.reading = reading.file;
                c.name = card.name;
                readable.push_back(std::move(c));
                found = true;
                break;
            }
            denied = denied || res.status == sys::ReadStatus::permission_denied;
            why = fmt::format("cannot read {}: {}", file.string(), res.ok() ? "not a number" : std::strerror(res.error));
        }
        if (!found) dropped.push_back(fmt::format("{}: {}", label, why));
    }

    const std::string dropped_note =
        dropped.empty() ? std::string() : fmt::format("dropped {}", fmt::join(dropped, ", "));
    if (readable.empty()) {
        r.status = denied ? ProbeStatus::permission_denied : ProbeStatus::unsupported;
        r.reason = "no AMD GPU can be read: " + dropped_note;
        r.fix = denied ? "give this user read access to the amdgpu hwmon files (or run eco2 as root)"
                       : "update the kernel: older amdgpu drivers expose no power reading for this GPU";
        return d;
    }

    std::string parts = describe_readings(readable);
    if (request.scope == Scope::process) parts += "; no process attribution: whole cards counted";
    for (const CardChannel& c : readable) r.channels.push_back(c.channel.id);
    auto sensor = std::make_unique<AmdgpuSensor>(std::move(readable), "amdgpu(" + parts + ")",
                                                 context.shared_reader());
    r.status = ProbeStatus::available;
    r.reason = sensor->device_names() + ": " + parts;
    if (!dropped_note.empty()) r.reason += "; " + dropped_note;
    d.offers.push_back({std::move(sensor), Component::gpu, "amdgpu measures the AMD GPUs", {}});
    return d;
}

}  // namespace eco2::detail
