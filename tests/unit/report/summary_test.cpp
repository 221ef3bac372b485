#include <gtest/gtest.h>

#include <csignal>
#include <regex>

#include <fmt/format.h>

#include "report/summary.hpp"

using namespace eco2;
using namespace eco2::detail;

namespace {

Result plain_run() {
    Result r;
    r.id = "0d522abe-986b-42f3-8d61-cc4f1c02a893";
    r.duration_s = 0.299;
    r.cpu = {0.0693, "tdp-model(100 W, default 100 W; tree CPU time / 2 CPUs; estimated)", true};
    r.gpu = {0, "none (nvml: absent)", false};
    r.ram = {1.15e-5, "ram-model(0.375 W/GiB x cgroup memory; estimated)", true};
    r.intensity_g_per_kwh = 436.5;
    r.co2_kg = r.energy_kwh() * 0.4365;
    r.region = "World";
    r.location_source = "default: world average 436.5 gCO2/kWh (Ember 2024)";
    r.status = RunStatus::completed;
    r.exit_code = 0;
    return r;
}

// A training of 4 epochs (params loss, acc; 1000 items each) predicted after the first, with a GPU measured.
struct Training {
    Result total;
    std::vector<Result> epochs;
    Training() {
        total = plain_run();
        total.pue = 1.2;
        total.region = "FR";
        total.location_source = "flag --region FR; Electricity Maps yearly average 2025";
        total.intensity_g_per_kwh = 31;
        total.gpu = {0, "nvml(energy counter: gpu0)", false};
        total.cpu.joules = 0;
        total.ram.joules = 0;
        total.duration_s = 0;
        total.work.items = 4500;
        for (int e = 1; e <= 4; ++e) {
            Result r = total;
            r.epoch_number = e;
            r.duration_s = 60 + e;
            r.cpu.joules = 600;
            r.gpu.joules = 18000 - 1000 * e;
            r.ram.joules = 90;
            r.co2_kg = r.energy_kwh() * 0.031;
            r.work.items = 1000;
            r.epoch_params_json = fmt::format(R"({{"epoch":{},"loss":{},"acc":"{}"}})", e, 1.0 / e, e * 20);
            epochs.push_back(r);
            total.duration_s += r.duration_s;
            total.cpu.joules += r.cpu.joules;
            total.gpu.joules += r.gpu.joules;
            total.ram.joules += r.ram.joules;
        }
        total.duration_s += 2;  // after the last mark: 2 s, 500 items
        total.cpu.joules += 20;
        total.co2_kg = total.energy_kwh() * 0.031;
        total.prediction = Prediction{1, 4, 4 * 61.0, 4 * 18690 * 1.2 / 3.6e6, 4 * 18690 * 1.2 / 3.6e6 * 0.031, {}};
        total.epoch = "4 epochs";
    }
};

}  // namespace

TEST(RunSummaryText, PlainRunGolden) {
    Result r = plain_run();
    r.warnings.push_back("no region known: world average used");
    EXPECT_EQ(format_summary(r, "e.csv", "e.series/x.csv"),
              "eco2: done in 0.299 s\n"
              "  energy   69.3 mJ (estimated)\n"
              "  CO2e     8.40 µg (estimated) at 436 gCO2/kWh, World\n"
              "  cpu      69.3 mJ  tdp-model(100 W, default 100 W; tree CPU time / 2 CPUs) (estimated)\n"
              "  gpu          0 J  none (nvml: absent)\n"
              "  ram      11.5 µJ  ram-model(0.375 W/GiB x cgroup memory) (estimated)\n"
              "  carbon   world average: no region set\n"
              "  record   e.csv (run 0d522abe-986b-42f3-8d61-cc4f1c02a893)\n"
              "  series   e.series/x.csv\n"
              "eco2: warning: no region known: world average used\n");
}

TEST(RunSummaryText, FailedAndKilledCommandsAreNamed) {
    Result r = plain_run();
    r.exit_code = 3;
    EXPECT_EQ(format_summary(r, "", "").substr(0, 49), "eco2: the command exited with status 3 after 0.29");
    r.exit_code = 128 + SIGKILL;
    EXPECT_EQ(format_summary(RunSummary{r, {}, "", "", SIGKILL}).substr(0, 52),
              "eco2: the command was killed by SIGKILL after 0.299 ");
    r.status = RunStatus::budget_stopped;
    EXPECT_EQ(ending_text(r, 0), "stopped by the budget");
}

TEST(RunSummaryText, EstimatedOnlyWhenEveryNonZeroPartIsModelled) {
    Result r = plain_run();
    EXPECT_EQ(estimated_label(r), "estimated");  // gpu is 0: it does not make the run partly measured
    r.gpu = {5.0, "nvml(energy counter: gpu0)", false};
    EXPECT_EQ(estimated_label(r), "partly estimated");
    r.cpu.estimated = r.ram.estimated = false;
    EXPECT_EQ(estimated_label(r), "");
}

TEST(RunSummaryText, TrainingShowsEpochsAndPredictionGolden) {
    const Training t;
    const std::string s = format_summary(RunSummary{t.total, t.epochs, "", "", 0});
    const std::size_t from = s.find("  epochs\n");
    ASSERT_NE(from, std::string::npos) << s;
    EXPECT_EQ(s.substr(from),
              "  epochs\n"
              "    epoch          duration   energy    CO2e   loss  acc  energy/item\n"
              "    1            1 min 01 s  5.90 Wh  183 mg   1.00   20       21.2 J\n"
              "    2            1 min 02 s  5.56 Wh  172 mg  0.500   40       20.0 J\n"
              "    3            1 min 03 s  5.23 Wh  162 mg  0.333   60       18.8 J\n"
              "    4            1 min 04 s  4.90 Wh  152 mg  0.250   80       17.6 J\n"
              "    5 (partial)      2.00 s   24.0 J  207 µg      -    -      48.0 mJ\n"
              "  predicted  after 1 of 4 epochs: 4 min 04 s, 24.9 Wh, 773 mg CO2e\n"
              "  measured   4 epochs: 4 min 12 s (+3.28 %), 21.6 Wh (-13.3 %), 669 mg (-13.3 %) CO2e\n");
    EXPECT_NE(s.find("  energy   21.6 Wh (partly estimated), IT energy x PUE 1.2\n"), std::string::npos) << s;
}

TEST(RunSummaryText, NoExponentAnywhere) {
    const Training t;
    const std::regex exponent("[0-9]e[-+]?[0-9]");
    for (double scale : {1e-12, 1e-6, 1.0, 1e6, 1e9}) {
        Result r = t.total;
        r.cpu.joules *= scale;
        r.gpu.joules *= scale;
        r.co2_kg *= scale;
        const std::string s = format_summary(RunSummary{r, t.epochs, "", "", 0});
        EXPECT_FALSE(std::regex_search(s, exponent)) << s;
    }
}
