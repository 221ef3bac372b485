#include "sensors/amdgpu_sensor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>

#include "../test_util.hpp"
#include "context_util.hpp"

using namespace eco2;
using namespace eco2::detail;
using eco2::test::context_at;
using eco2::test::fixture;
using eco2::test::TempDir;
using eco2::test::write_file;
using ::testing::HasSubstr;
using Ids = std::vector<std::string>;

namespace {

constexpr const char* DRM = "sys/class/drm";

std::vector<double> read_all(Sensor& s) {
    std::vector<double> v(s.channels().size(), -1.0);
    s.read(TreeSample{}, v.data());
    return v;
}

// Simulates hwmon files readable by root only (as root, chmod 000 does not stop a read).
class DenyPowerReader final : public sys::FileReader {
public:
    sys::ReadResult read(const std::filesystem::path& p) const noexcept override {
        const std::string f = p.filename().string();
        if (f.rfind("power1_", 0) == 0 || f.rfind("energy1_", 0) == 0) {
            sys::ReadResult r;
            r.status = sys::ReadStatus::permission_denied;
            r.error = EACCES;
            return r;
        }
        return sys::FileReader::read(p);
    }
};

}  // namespace

TEST(Amdgpu, ListsAmdgpuCardsOnlyByCardNumber) {
    const std::vector<AmdgpuCard> cards =
        list_amdgpu_cards(eco2::test::roots(fixture("amdgpu_two_cards")), sys::default_reader());
    ASSERT_EQ(cards.size(), 2u);  // not card2 (no amdgpu hwmon), card0-DP-1 (a connector), renderD128
    EXPECT_EQ(cards[0].index, 0u);
    EXPECT_EQ(cards[0].name, "AMD Instinct MI210");
    EXPECT_EQ(cards[1].index, 1u);
    EXPECT_EQ(cards[1].name, "AMD GPU");                   // no product_name
    EXPECT_EQ(cards[1].hwmon.filename(), "hwmon5");        // hwmon4 is an nvme sensor
}

TEST(Amdgpu, EnergyCounterPreferredThenAveragePowerInSiUnits) {
    Discovery d = discover_amdgpu(context_at(fixture("amdgpu_two_cards")), DiscoveryRequest{Scope::machine, {}});
    ASSERT_EQ(d.report.status, ProbeStatus::available) << d.report.reason;
    EXPECT_EQ(d.report.backend, "amdgpu");
    EXPECT_EQ(d.report.channels, (Ids{"amdgpu.gpu.0", "amdgpu.gpu.1"}));
    ASSERT_EQ(d.offers.size(), 1u);
    EXPECT_EQ(d.offers[0].component, Component::gpu);
    Sensor& s = *d.offers[0].sensor;
    ASSERT_EQ(s.channels().size(), 2u);
    EXPECT_EQ(s.channels()[0].kind, ChannelKind::power);           // card0: power1_average only
    EXPECT_EQ(s.channels()[1].kind, ChannelKind::energy_counter);  // card1: energy1_input beats power1_average
    EXPECT_EQ(s.channels()[1].attribution, Attribution::direct);
    EXPECT_EQ(s.source(), "amdgpu(energy1_input: card1; power1_average: card0)");
    EXPECT_FALSE(s.estimated());
    EXPECT_EQ(s.device_names(), "AMD Instinct MI210, AMD GPU");
    const std::vector<double> v = read_all(s);
    EXPECT_DOUBLE_EQ(v[0], 42.0);    // 42,000,000 µW
    EXPECT_DOUBLE_EQ(v[1], 5000.0);  // 5,000,000,000 µJ
    EXPECT_EQ(s.failures().count(), 0u);
}

TEST(Amdgpu, ProcessScopeSaysTheWholeCardCounts) {
    Discovery d = discover_amdgpu(context_at(fixture("amdgpu_two_cards")), DiscoveryRequest{Scope::process, {}});
    ASSERT_EQ(d.report.status, ProbeStatus::available);
    EXPECT_THAT(d.offers.at(0).sensor->source(), HasSubstr("no process attribution: whole cards counted"));
    EXPECT_THAT(d.report.reason, HasSubstr("no process attribution"));
}

TEST(Amdgpu, ReadsFollowTheFilesAndAFailedReadIsNaNAndCounted) {
    TempDir dir("amdgpu_two_cards");
    Discovery d = discover_amdgpu(context_at(dir.path()), DiscoveryRequest{Scope::machine, {}});
    ASSERT_EQ(d.offers.size(), 1u) << d.report.reason;
    Sensor& s = *d.offers[0].sensor;
    const std::vector<double> first = read_all(s);
    write_file(dir.path() / DRM / "card0/device/hwmon/hwmon3/power1_average", "57500000\n");
    write_file(dir.path() / DRM / "card1/device/hwmon/hwmon5/energy1_input", "5250500000\n");
    const std::vector<double> second = read_all(s);
    EXPECT_DOUBLE_EQ(second[0], 57.5);
    EXPECT_DOUBLE_EQ(second[1] - first[1], 250.5);

    std::filesystem::remove(dir.path() / DRM / "card0/device/hwmon/hwmon3/power1_average");
    const std::vector<double> third = read_all(s);
    EXPECT_TRUE(std::isnan(third[0]));
    EXPECT_DOUBLE_EQ(third[1], 5250.5);
    read_all(s);
    EXPECT_EQ(s.failures().count(), 2u);
    EXPECT_THAT(s.failures().first(), HasSubstr("amdgpu.gpu.0: cannot read "));
    EXPECT_THAT(s.failures().first(), HasSubstr("power1_average"));
}

TEST(Amdgpu, NoDrmTreeIsAbsentWithAReason) {
    Discovery d = discover_amdgpu(context_at(fixture("no_rapl")), DiscoveryRequest{Scope::process, {}});
    EXPECT_EQ(d.report.status, ProbeStatus::absent);
    EXPECT_THAT(d.report.reason, HasSubstr("no amdgpu hwmon under"));
    EXPECT_THAT(d.report.reason, HasSubstr("class/drm"));
    EXPECT_FALSE(d.report.fix.empty());
    EXPECT_TRUE(d.offers.empty());
    EXPECT_TRUE(d.report.channels.empty());
}

TEST(Amdgpu, UnreadableFilesArePermissionDenied) {
    Discovery d = discover_amdgpu(context_at(fixture("amdgpu_two_cards"), {}, "/nonexistent",
                                             std::make_shared<DenyPowerReader>()),
                                  DiscoveryRequest{Scope::machine, {}});
    EXPECT_EQ(d.report.status, ProbeStatus::permission_denied);
    EXPECT_THAT(d.report.reason, HasSubstr("card0: cannot read "));
    EXPECT_THAT(d.report.fix, HasSubstr("read access"));
    EXPECT_TRUE(d.offers.empty());
}

TEST(Amdgpu, ACardWithoutPowerFilesIsDroppedWithTheReason) {
    TempDir dir("amdgpu_two_cards");
    std::filesystem::remove(dir.path() / DRM / "card0/device/hwmon/hwmon3/power1_average");
    Discovery d = discover_amdgpu(context_at(dir.path()), DiscoveryRequest{Scope::machine, {}});
    ASSERT_EQ(d.report.status, ProbeStatus::available);
    EXPECT_EQ(d.report.channels, (Ids{"amdgpu.gpu.1"}));
    EXPECT_THAT(d.report.reason, HasSubstr("dropped card0: no energy1_input, power1_average or power1_input"));

    std::filesystem::remove(dir.path() / DRM / "card1/device/hwmon/hwmon5/energy1_input");
    write_file(dir.path() / DRM / "card1/device/hwmon/hwmon5/power1_average", "not a number\n");
    Discovery none = discover_amdgpu(context_at(dir.path()), DiscoveryRequest{Scope::machine, {}});
    EXPECT_EQ(none.report.status, ProbeStatus::unsupported);
    EXPECT_THAT(none.report.reason, HasSubstr("not a number"));
    EXPECT_TRUE(none.offers.empty());
}
