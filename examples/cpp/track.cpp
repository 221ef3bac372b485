// A training loop tracked with eco2's C++ API: one row per epoch in the records file, the loss as an epoch
// parameter, the samples processed as reported work (energy per item), and a prediction after the first
// epoch.
//
//   track_cpp [RECORDS.csv=emission.csv] [EPOCHS=3] [REGION=FR]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <eco2/error.hpp>
#include <eco2/tracker.hpp>
#include <eco2/zones.hpp>
#include <string>

namespace {

// Stand-in for one epoch of training: about `seconds` of CPU time of arithmetic; returns a fake loss.
double train_one_epoch(double seconds, int epoch) {
    const std::clock_t end = std::clock() + static_cast<std::clock_t>(seconds * CLOCKS_PER_SEC);
    volatile double x = 0.0;
    while (std::clock() < end)
        for (int i = 0; i < 10000; ++i) x = x + 1e-9 * i;
    return 1.0 / (epoch + 1.0);
}

}  // namespace

int main(int argc, char** argv) try {
    eco2::TrackerConfig config;
    config.project_name = "cpp-example";
    config.experiment_description = "C++ API training loop";
    config.output.path = argc > 1 ? argv[1] : "emission.csv";
    const int epochs = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3;
    config.intensity = eco2::zone_intensity_provider(argc > 3 ? argv[3] : "FR");
    config.sampling.period_s = 0.1;
    config.training.expected_epochs = epochs;
    config.on_event = [](const eco2::TrackerEvent& e) {
        std::fprintf(stderr, "track_cpp: %s\n", e.message.c_str());
    };

    eco2::Tracker tracker(config);  // checks the configuration
    tracker.start_training();
    for (int e = 0; e < epochs; ++e) {
        const double loss = train_one_epoch(0.2, e);
        tracker.report_work({.items = 1000.0, .error_rate = loss / 2, .flops = std::nullopt});
        eco2::Result row =
            tracker.new_epoch({{"loss", loss}, {"phase", std::string(e == 0 ? "warm-up" : "main")}});
        std::printf("%s: cpu %.3f J, %.3g J per item\n", row.epoch.c_str(), row.cpu.joules,
                    row.energy_per_item_j().value_or(0.0));
    }
    const eco2::Result total = tracker.stop_training();  // also records the part after the last epoch
    std::printf("total: %.3f s, %.3g kWh, %.3g kg CO2 at %.1f g/kWh (%s), status %s\n", total.duration_s,
                total.energy_kwh(), total.co2_kg, total.intensity_g_per_kwh, total.region.c_str(),
                std::string(eco2::to_string(total.status)).c_str());
    for (const auto* c : {&total.cpu, &total.gpu, &total.ram})
        std::printf("  %.3f J  %s\n", c->joules, c->source.c_str());
    return total.status == eco2::RunStatus::completed && total.energy_kwh() > 0 ? 0 : 1;
} catch (const eco2::Error& e) {
    std::fprintf(stderr, "track_cpp: %s\n", e.what());
    return 1;
}
