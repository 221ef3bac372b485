#include "sensors/ram_model_sensor.hpp"

#include <fmt/format.h>

namespace eco2::detail {
namespace {

class RamModelSensor final : public Sensor {
public:
    explicit RamModelSensor(Scope scope) : m_scope(scope) {
        m_channels.push_back({"ram_model.ram.0", Component::ram, ChannelKind::power, 0.0, Attribution::direct});
    }
    std::string_view backend() const noexcept override { return "ram-model"; }
    const std::vector<Channel>& channels() const noexcept override { return m_channels; }
    void read(const TreeSample& tree, double* values) noexcept override {
        double bytes = m_scope == Scope::process ? tree.tree_rss_bytes : tree.machine_used_bytes;
        values[0] = RAM_W_PER_GIB * bytes / (1024.0 * 1024.0 * 1024.0);
    }
    MachineFields machine_fields() const noexcept override { return {false, m_scope != Scope::process}; }
    std::string source() const override {
        return fmt::format("ram-model({} W/GiB of {}; estimated)", RAM_W_PER_GIB,
                           m_scope == Scope::process ? "tree resident memory" : "machine used memory");
    }
    bool estimated() const noexcept override { return true; }

private:
    Scope m_scope;
    std::vector<Channel> m_channels;
};

}  // namespace

std::unique_ptr<Sensor> make_ram_model_sensor(Scope scope) { return std::make_unique<RamModelSensor>(scope); }

Discovery discover_ram_model(const sys::SystemContext& context, const DiscoveryRequest& request) {
    (void)context;
    Discovery d;
    d.report.backend = "ram-model";
    d.report.status = ProbeStatus::available;
    d.report.channels = {"ram_model.ram.0"};
    d.report.reason = fmt::format("{} W/GiB of {} (estimated)", RAM_W_PER_GIB,
                                  request.scope == Scope::process ? "the tree's resident memory"
                                                                  : "the machine's used memory");
    d.offers.push_back({make_ram_model_sensor(request.scope), Component::ram, "the RAM model estimates RAM", {}});
    return d;
}

}  // namespace eco2::detail
