// The Prometheus text format and the OTLP JSON of eco2's metric sets, on string streams.

#include <gtest/gtest.h>

#include <clocale>
#include <limits>
#include <locale>
#include <nlohmann/json.hpp>
#include <sstream>

#include "eco2/error.hpp"
#include "export/metric_set.hpp"
#include "export/otlp_json.hpp"
#include "export/prometheus_text.hpp"

namespace eco2::metrics {
namespace {

MetricSet node_set() {
    MetricSet s;
    s.scope = "machine";
    s.host = "node-1";
    s.devices = {{"cpu", "rapl.package.0", 1234.5, 41.25}, {"gpu", "nvml.gpu.0", 9000.0, std::nullopt}};
    s.emissions_g = 0.5;
    s.intensity_g_per_kwh = 436.0;
    s.start_unix_s = 1'700'000'000.0;
    s.time_unix_s = 1'700'000'010.5;
    return s;
}

MetricSet run_set() {
    MetricSet s = node_set();
    s.scope = "process";
    s.run = RunLabels{"0f1e", "proj \"x\"", "line1\nline2 \\ end", "job-7", "3", "node-1"};
    s.devices = {{"ram", "ram-model", 0.125, 0.5}};
    return s;
}

std::string text_of(const std::vector<MetricSet>& sets) {
    std::ostringstream out;
    write_prometheus_text(out, sets);
    return out.str();
}

TEST(PrometheusText, FamiliesHaveHelpAndTypeOnceAndTheSamplesInBaseUnits) {
    const std::string t = text_of({node_set(), run_set()});
    EXPECT_NE(t.find("# HELP eco2_energy_joules_total "), std::string::npos);
    EXPECT_NE(t.find("# TYPE eco2_energy_joules_total counter\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE eco2_power_watts gauge\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE eco2_emissions_grams_total counter\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE eco2_carbon_intensity_grams_per_kwh gauge\n"), std::string::npos);
    EXPECT_NE(t.find("# TYPE eco2_run_info gauge\n"), std::string::npos);
    EXPECT_EQ(t.find("# TYPE eco2_energy_joules_total", t.find("# TYPE eco2_energy_joules_total") + 1), std::string::npos);
    EXPECT_NE(t.find("eco2_energy_joules_total{component=\"cpu\",device=\"rapl.package.0\",scope=\"machine\"} 1234.5\n"),
              std::string::npos);
    EXPECT_NE(t.find("eco2_energy_joules_total{component=\"ram\",device=\"ram-model\",scope=\"process\",run_id=\"0f1e\"} 0.125\n"),
              std::string::npos);
    // A device without a power yet has no power sample.
    EXPECT_NE(t.find("eco2_power_watts{component=\"cpu\",device=\"rapl.package.0\",scope=\"machine\"} 41.25\n"),
              std::string::npos);
    EXPECT_EQ(t.find("eco2_power_watts{component=\"gpu\""), std::string::npos);
    EXPECT_NE(t.find("eco2_emissions_grams_total{scope=\"machine\"} 0.5\n"), std::string::npos);
    EXPECT_NE(t.find("eco2_carbon_intensity_grams_per_kwh{scope=\"process\",run_id=\"0f1e\"} 436\n"), std::string::npos);
}

TEST(PrometheusText, RunInfoLabelValuesAreEscaped) {
    const std::string t = text_of({run_set()});
    EXPECT_NE(t.find("eco2_run_info{run_id=\"0f1e\",project=\"proj \\\"x\\\"\",experiment=\"line1\\nline2 \\\\ end\","
                     "job=\"job-7\",rank=\"3\",host=\"node-1\"} 1\n"),
              std::string::npos)
        << t;
    // The node's own set has no run_info line.
    EXPECT_EQ(text_of({node_set()}).find("eco2_run_info{"), std::string::npos);
}

TEST(PrometheusText, NumbersAreExactAndIgnoreTheLocale) {
    EXPECT_EQ(prometheus_number(0.1), "0.1");
    EXPECT_EQ(prometheus_number(1e-300), "1e-300");
    EXPECT_EQ(prometheus_number(123456789012.0), "123456789012");
    EXPECT_EQ(prometheus_number(std::numeric_limits<double>::quiet_NaN()), "NaN");
    EXPECT_EQ(prometheus_number(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(prometheus_number(-std::numeric_limits<double>::infinity()), "-Inf");
    // Under a comma-decimal locale (when the system has one) the text is the same.
    const std::string before = text_of({node_set()});
    if (std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr) {
        std::ostringstream out;
        out.imbue(std::locale("de_DE.UTF-8"));
        write_prometheus_text(out, {node_set()});
        EXPECT_EQ(out.str(), before);
        std::setlocale(LC_ALL, "C");
    }
    EXPECT_NE(before.find(" 1234.5\n"), std::string::npos);
}

TEST(MetricSet, RoundTripsThroughJson) {
    const MetricSet a = run_set();
    const MetricSet b = metric_set_from_json(to_json(a));
    ASSERT_TRUE(b.run);
    EXPECT_EQ(b.run->experiment, a.run->experiment);
    EXPECT_EQ(b.run->rank, "3");
    ASSERT_EQ(b.devices.size(), 1u);
    EXPECT_DOUBLE_EQ(b.devices[0].joules, 0.125);
    EXPECT_EQ(b.devices[0].watts, 0.5);
    EXPECT_EQ(text_of({a}), text_of({b}));
    EXPECT_THROW(metric_set_from_json(nlohmann::json::parse(R"({"scope":"galaxy","devices":[]})")), Error);
    EXPECT_THROW(metric_set_from_json(nlohmann::json::array()), Error);
}

TEST(MetricSet, FromATickPerChannelElseOnePerMeasuredComponent) {
    Result r;
    r.id = "abc";
    r.project_name = "p";
    r.host = "h";
    r.cpu = {100.0, "rapl(package-0)", false};
    r.gpu = {0.0, "none (no NVIDIA driver)", false};
    r.ram = {5.0, "ram-model(0.375 W/GiB)", true};
    r.co2_kg = 0.002;
    r.intensity_g_per_kwh = 300;
    r.status = RunStatus::completed;
    const MetricSet s = metric_set_of(r, false);
    ASSERT_EQ(s.devices.size(), 2u);
    EXPECT_EQ(s.devices[0].device, "rapl");
    EXPECT_EQ(s.devices[0].joules, 100.0);
    EXPECT_EQ(s.devices[1].component, "ram");
    EXPECT_DOUBLE_EQ(s.emissions_g, 2.0);
    EXPECT_TRUE(s.finished);
    EXPECT_EQ(s.run->run_id, "abc");
    detail::Tick t;
    t.interval_s = 0.5;
    t.channels = {{"nvml.gpu.0", Component::gpu, 7.0, 70.0}, {"rapl.package.0", Component::cpu, 3.0, 30.0}};
    t.co2_kg = 1e-3;
    t.intensity_g_per_kwh = 55;
    t.wall = r.start_time + std::chrono::seconds(3);
    const MetricSet n = metric_set_of(r, t, true);
    EXPECT_FALSE(n.run);
    ASSERT_EQ(n.devices.size(), 2u);
    EXPECT_EQ(n.devices[0].device, "nvml.gpu.0");
    EXPECT_EQ(n.devices[0].component, "gpu");
    EXPECT_EQ(n.devices[0].watts, 70.0);
    EXPECT_DOUBLE_EQ(n.emissions_g, 1.0);
    EXPECT_EQ(n.intensity_g_per_kwh, 55);
    EXPECT_DOUBLE_EQ(n.time_unix_s - n.start_unix_s, 3.0);
    EXPECT_EQ(metric_set_of(r, t, false, "job-1", "2").run->rank, "2");
    // Without explicit labels, the run's detected job and rank (torchrun, SLURM, MPI) label it.
    EXPECT_EQ(metric_set_of(r, t, false).run->job, "");
    r.job.job_id = "4242";
    r.job.rank = 3;
    const MetricSet j = metric_set_of(r, t, false);
    EXPECT_EQ(j.run->job, "4242");
    EXPECT_EQ(j.run->rank, "3");
}

std::string attr(const nlohmann::json& attrs, const std::string& key) {
    for (const auto& a : attrs)
        if (a.at("key") == key) return a.at("value").at("stringValue").get<std::string>();
    return "<none>";
}

TEST(OtlpJson, HasTheShapeOfAnExportRequestWithHardwareConventions) {
    std::ostringstream out;
    write_otlp_json(out, {node_set(), run_set()}, "9.9.9");
    const auto j = nlohmann::json::parse(out.str());
    ASSERT_EQ(j.at("resourceMetrics").size(), 2u);
    const auto& node = j["resourceMetrics"][0];
    EXPECT_EQ(attr(node["resource"]["attributes"], "service.name"), "eco2");
    EXPECT_EQ(attr(node["resource"]["attributes"], "host.name"), "node-1");
    EXPECT_EQ(attr(node["resource"]["attributes"], "eco2.run_id"), "<none>");
    const auto& scope = node["scopeMetrics"][0];
    EXPECT_EQ(scope["scope"]["version"], "9.9.9");
    const auto& energy = scope["metrics"][0];
    EXPECT_EQ(energy["name"], "hw.energy");
    EXPECT_EQ(energy["unit"], "J");
    EXPECT_EQ(energy["sum"]["isMonotonic"], true);
    EXPECT_EQ(energy["sum"]["aggregationTemporality"], 2);
    const auto& p = energy["sum"]["dataPoints"][1];
    EXPECT_EQ(attr(p["attributes"], "hw.id"), "nvml.gpu.0");
    EXPECT_EQ(attr(p["attributes"], "hw.type"), "gpu");
    EXPECT_EQ(p["asDouble"], 9000.0);
    EXPECT_EQ(p["startTimeUnixNano"], "1700000000000000000");
    EXPECT_EQ(p["timeUnixNano"], "1700000010500000000");
    const auto& power = scope["metrics"][1];
    EXPECT_EQ(power["name"], "hw.power");
    EXPECT_EQ(power["gauge"]["dataPoints"].size(), 1u);  // the GPU has no power yet
    const auto& run = j["resourceMetrics"][1];
    EXPECT_EQ(attr(run["resource"]["attributes"], "eco2.run_id"), "0f1e");
    EXPECT_EQ(attr(run["resource"]["attributes"], "eco2.rank"), "3");
    EXPECT_EQ(attr(run["scopeMetrics"][0]["metrics"][0]["sum"]["dataPoints"][0]["attributes"], "hw.type"), "memory");
}

}  // namespace
}  // namespace eco2::metrics
