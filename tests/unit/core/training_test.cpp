// Training mode of the C++ API: rows per epoch, the partial epoch, prediction, budgets, indicators.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <limits>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "../test_util.hpp"
#include "eco2/error.hpp"
#include "eco2/tracker.hpp"
#include "writers/csv_writer.hpp"

using namespace eco2;
using eco2::test::read_file;
using eco2::test::TempDir;

namespace {

TrackerConfig config_in(const TempDir& dir) {
    TrackerConfig c = eco2::test::tracker_config_in(dir, 0.05, 0.1);
    c.intensity = fixed_intensity(200.0, "XX", "test");
    return c;
}
using eco2::test::burn_cpu;

// Rows of the records file as column -> value maps.
std::vector<std::map<std::string, std::string>> csv_rows(const std::filesystem::path& p) {
    std::istringstream in(read_file(p));
    std::string line;
    std::getline(in, line);
    const auto& cols = eco2::detail::CsvWriter::columns();
    std::vector<std::map<std::string, std::string>> out;
    while (std::getline(in, line)) {
        std::vector<std::string> f;
        std::string cur;
        bool q = false;
        for (std::size_t i = 0; i < line.size(); ++i) {
            char c = line[i];
            if (q) {
                if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') cur += '"', ++i;
                else if (c == '"') q = false;
                else cur += c;
            } else if (c == '"') q = true;
            else if (c == ',') f.push_back(cur), cur.clear();
            else cur += c;
        }
        f.push_back(cur);
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < cols.size() && i < f.size(); ++i) row[std::string(cols[i])] = f[i];
        out.push_back(row);
    }
    return out;
}

}  // namespace

TEST(Training, EachEpochIsOneRowWithExactlyItsEnergy) {
    TempDir dir;
    Tracker t(config_in(dir));
    t.start_training();
    std::vector<Result> epochs;
    for (int e = 0; e < 4; ++e) {
        burn_cpu(std::chrono::milliseconds(250));
        epochs.push_back(t.new_epoch({{"loss", 1.0 / (e + 1)}, {"note", std::string("ok")}}));
    }
    burn_cpu(std::chrono::milliseconds(100));  // evaluation after the last epoch: eco2AI loses this part
    Result total = t.stop_training();

    auto rows = csv_rows(dir / "emission.csv");
    ASSERT_EQ(rows.size(), 5u);
    EXPECT_EQ(rows[0]["epoch"], "epoch: 1, loss: 1.0, note: ok");  // Python's str(1.0), as eco2AI writes
    EXPECT_EQ(rows[1]["epoch"], "epoch: 2, loss: 0.5, note: ok");
    EXPECT_EQ(rows[1]["epoch_params"], R"({"epoch":2,"loss":0.5,"note":"ok"})");
    EXPECT_EQ(rows[4]["epoch"], "epoch: 5 (partial)");
    for (const auto& r : rows) EXPECT_EQ(r.at("id"), total.id);  // eco2AI: one id per tracker

    double sum_cpu = 0, sum_co2 = 0;
    for (const auto& r : rows) {
        sum_cpu += std::stod(r.at("cpu_energy(kWh)"));
        sum_co2 += std::stod(r.at("CO2_emissions(kg)"));
    }
    EXPECT_NEAR(sum_cpu, total.cpu.kwh(), total.cpu.kwh() * 1e-6);  // nothing lost between rows
    EXPECT_NEAR(sum_co2, total.co2_kg, total.co2_kg * 1e-6);
    // Equal CPU work -> equal energy within 5 %.
    for (const auto& e : epochs) EXPECT_NEAR(e.cpu.joules, epochs[0].cpu.joules, 0.05 * epochs[0].cpu.joules);
    EXPECT_GT(std::stod(rows[4]["cpu_energy(kWh)"]), 0.0);
    EXPECT_GE(epochs[1].duration_s, 0.25 - 0.01);  // at least its CPU time (one thread)
    EXPECT_EQ(epochs[2].epoch_number, 3);
}

TEST(Training, NewEpochInAPlainRunTurnsTheRunRowIntoEpochOne) {
    TempDir dir;
    Tracker t(config_in(dir));
    t.start();
    burn_cpu(std::chrono::milliseconds(50));
    t.new_epoch();
    t.stop();
    auto rows = csv_rows(dir / "emission.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["epoch"], "epoch: 1");
    EXPECT_EQ(rows[1]["epoch"], "epoch: 2 (partial)");
    EXPECT_THROW(Tracker(config_in(dir)).new_epoch(), Error);
}

TEST(Training, PredictionAfterTheFirstEpochIsCloseToTheMeasuredTotal) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.training.expected_epochs = 6;
    std::vector<TrackerEvent> events;
    c.on_event = [&](const TrackerEvent& e) { events.push_back(e); };
    Tracker t(c);
    t.start_training();
    for (int e = 0; e < 6; ++e) {
        burn_cpu(std::chrono::milliseconds(200));
        t.new_epoch({{"epoch", double(e)}});
    }
    Result total = t.stop_training();
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, TrackerEvent::Kind::prediction);
    ASSERT_TRUE(events[0].prediction);
    const Prediction& p = *events[0].prediction;
    EXPECT_EQ(p.after_epochs, 1);
    EXPECT_EQ(p.total_epochs, 6);
    EXPECT_NEAR(p.energy_kwh, total.energy_kwh(), 0.10 * total.energy_kwh());
    EXPECT_NEAR(p.co2_kg, total.co2_kg, 0.10 * total.co2_kg);
    EXPECT_NEAR(p.duration_s, total.duration_s, 0.30 * total.duration_s);  // wall time: load-dependent
    auto rows = csv_rows(dir / "emission.csv");
    EXPECT_EQ(rows[0]["predicted_energy(kWh)"], "");  // made after epoch 1 closed: later rows carry it
    EXPECT_NE(rows[1]["predicted_energy(kWh)"], "");
}

TEST(Training, BudgetStopsAtTheNextEpochAndTheRecordSaysWhy) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.training.expected_epochs = 10;
    c.training.stop_on_budget = true;
    // One epoch of 200 ms CPU at 100 W (or the table's TDP) / 2 CPUs: budget well below ten of them.
    c.training.budget_kwh = 1e-9;
    std::vector<TrackerEvent> events;
    c.on_event = [&](const TrackerEvent& e) { events.push_back(e); };
    Tracker t(c);
    t.start_training();
    burn_cpu(std::chrono::milliseconds(200));
    try {
        t.new_epoch({{"loss", 0.5}});
        FAIL() << "no budget error";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::budget_exceeded);
    }
    EXPECT_FALSE(t.running());
    auto last = t.last_result();
    ASSERT_TRUE(last);
    EXPECT_EQ(last->status, RunStatus::budget_stopped);
    EXPECT_GT(last->cpu.joules, 0.0);
    bool stop_event = false;
    for (const auto& e : events) stop_event = stop_event || (e.kind == TrackerEvent::Kind::budget_exceeded && e.stop_requested);
    EXPECT_TRUE(stop_event);
    auto rows = csv_rows(dir / "emission.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["status"], "completed");
    EXPECT_EQ(rows[1]["status"], "budget_stopped");
}

TEST(Training, BudgetWithoutStopOnlyWarns) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.training.expected_epochs = 100;
    c.training.budget_kg = 1.0;  // not reached by the measurement, but by the prediction for 100 epochs? no: tiny jobs
    c.training.budget_kg = 1e-12;
    std::vector<TrackerEvent> events;
    c.on_event = [&](const TrackerEvent& e) { events.push_back(e); };
    Tracker t(c);
    t.start_training();
    burn_cpu(std::chrono::milliseconds(100));
    t.new_epoch();
    burn_cpu(std::chrono::milliseconds(100));
    t.new_epoch();
    EXPECT_TRUE(t.running());
    t.stop_training();
    int exceeded = 0;
    for (const auto& e : events) {
        exceeded += e.kind == TrackerEvent::Kind::budget_exceeded;
        EXPECT_FALSE(e.stop_requested);
    }
    EXPECT_EQ(exceeded, 1);  // said once
}

TEST(Training, EfficiencyIndicatorsPerEpochAndPerRun) {
    TempDir dir;
    TrackerConfig c = config_in(dir);
    c.training.efficiency_alpha = 1.0;
    Tracker t(c);
    t.start_training();
    burn_cpu(std::chrono::milliseconds(100));
    t.report_work({1000.0, std::nullopt, 5e9});
    t.report_work({500.0, 0.2, std::nullopt});
    Result e1 = t.new_epoch();
    ASSERT_TRUE(e1.work.items);
    EXPECT_EQ(*e1.work.items, 1500.0);
    ASSERT_TRUE(e1.energy_per_item_j());
    EXPECT_NEAR(*e1.energy_per_item_j(), e1.it_joules() / 1500.0, 1e-12);
    ASSERT_TRUE(e1.energy_precision_ratio());
    EXPECT_NEAR(*e1.energy_precision_ratio(), 0.2 * *e1.energy_per_item_j(), 1e-12);
    EXPECT_NEAR(*e1.flop_per_joule(), 5e9 / e1.it_joules(), 1e-3);
    t.report_work({100.0, 0.1, std::nullopt});
    Result total = t.stop_training();
    EXPECT_EQ(*total.work.items, 1600.0);
    EXPECT_EQ(*total.work.error_rate, 0.1);
    auto rows = csv_rows(dir / "emission.csv");
    EXPECT_EQ(rows[0]["items"], "1500");
    EXPECT_NE(rows[0]["energy_per_item(J)"], "");
}

// issue 11: report_work on a tracker never started returned OK; values out of range were recorded.
TEST(Training, ReportWorkNeedsARunningTrackerAndValuesInRange) {
    TempDir dir;
    Tracker t(config_in(dir));
    try {
        t.report_work(Work{10.0, std::nullopt, std::nullopt});
        ADD_FAILURE() << "report_work before start() was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), Errc::invalid_state);
    }
    t.start();
    for (const Work& bad : {Work{-1.0, std::nullopt, std::nullopt}, Work{std::nullopt, 7.0, std::nullopt},
                            Work{std::nullopt, std::nullopt, -5.0},
                            Work{std::nullopt, std::nullopt, std::numeric_limits<double>::infinity()}}) {
        try {
            t.report_work(bad);
            ADD_FAILURE() << "out-of-range work accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument);
        }
    }
    t.report_work(Work{3.0, 0.5, 1e9});
    t.stop();
    EXPECT_THROW(t.report_work(Work{1.0, std::nullopt, std::nullopt}), Error);  // stopped: no row to add to
}

// issue 11: invalid UTF-8 in a parameter became "internal error" (a JSON library exception); a NUL went raw
// into the CSV. Both are refused as invalid arguments, and the tracker goes on.
TEST(Training, EpochParametersMustBeUtf8WithoutNul) {
    TempDir dir;
    Tracker t(config_in(dir));
    t.start_training();
    for (const EpochParams& bad : {EpochParams{{"note", std::string("\xff\xfe")}},
                                   EpochParams{{"n\xc3", 1.0}},
                                   EpochParams{{"note", std::string("a\0b", 3)}}}) {
        try {
            t.new_epoch(bad);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), Errc::invalid_argument);
            EXPECT_NE(std::string(e.what()).find("epoch parameter"), std::string::npos) << e.what();
        }
    }
    t.new_epoch({{"note", std::string("\xc3\xa9t\xc3\xa9")}});
    t.stop_training();
    const std::string text = read_file(dir / "emission.csv");
    EXPECT_EQ(text.find('\0'), std::string::npos);
    auto rows = csv_rows(dir / "emission.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["epoch"], "epoch: 1, note: \xc3\xa9t\xc3\xa9");
}

// Failed before: parameters beyond the row's spare room (~150 bytes) left every such epoch `interrupted`
// without its parameters ("record row outgrew its reservation").
TEST(Training, LongAndManyEpochParametersAreAllWritten) {
    TempDir dir;
    Tracker t(config_in(dir));
    t.start_training();
    for (int e = 1; e <= 6; ++e) {
        EpochParams params{{"note", std::string(static_cast<std::size_t>(e) * 200, 'n')}, {"loss", 1.0},
                           {"batch", std::int64_t{32}}};
        for (int k = 0; k < 40; ++k) {
            std::string name = "p";  // not "p" + string: GCC 12's false -Wrestrict
            name += std::to_string(k);
            params.push_back({name, 0.5 * k});
        }
        t.new_epoch(params);
    }
    const Result total = t.stop_training();
    auto rows = csv_rows(dir / "emission.csv");
    ASSERT_EQ(rows.size(), 7u);
    for (int e = 1; e <= 6; ++e) {
        const auto& r = rows[static_cast<std::size_t>(e - 1)];
        EXPECT_EQ(r.at("status"), "completed");
        const std::string& epoch = r.at("epoch");
        EXPECT_EQ(epoch.rfind(fmt::format("epoch: {}, note: {}, loss: 1.0, batch: 32, p0: 0.0, p1: 0.5", e,
                                          std::string(static_cast<std::size_t>(e) * 200, 'n')),
                              0),
                  0u)
            << epoch.substr(0, 80);
        EXPECT_NE(epoch.find(", p39: 19.5"), std::string::npos);
        EXPECT_NE(r.at("epoch_params").find("\"batch\":32,"), std::string::npos);
    }
    EXPECT_EQ(rows[6].at("epoch"), "epoch: 7 (partial)");
    for (const auto& w : total.warnings) EXPECT_EQ(w.find("record"), std::string::npos) << w;
}
