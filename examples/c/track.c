/* A training loop tracked through eco2's C API: one row per epoch in the records file, with the loss as an
 * epoch parameter and the samples processed as reported work (energy per item).
 *
 *   track_c [RECORDS.csv=emission.csv] [EPOCHS=3] [REGION=FR]
 *
 * Every call returns a status; CHECK prints eco2_last_error() and exits on failure.
 */
#include <eco2/eco2.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define CHECK(call)                                                                           \
    do {                                                                                      \
        int status_ = (call);                                                                 \
        if (status_ != ECO2_OK) {                                                             \
            fprintf(stderr, "track_c: %s failed: %s: %s\n", #call, eco2_status_name(status_), \
                    eco2_last_error());                                                       \
            exit(1);                                                                          \
        }                                                                                     \
    } while (0)

/* Stand-in for one epoch of training: about `seconds` of CPU time of arithmetic; returns a fake loss. */
static double train_one_epoch(double seconds, int epoch) {
    clock_t end = clock() + (clock_t)(seconds * CLOCKS_PER_SEC);
    volatile double x = 0.0;
    while (clock() < end)
        for (int i = 0; i < 10000; ++i) x = x + 1e-9 * i;
    return 1.0 / (epoch + 1.0) + x * 0.0;
}

static void on_event(int kind, const char* message, int stop_requested, void* user_data) {
    (void)user_data;
    fprintf(stderr, "track_c: event %d%s: %s\n", kind, stop_requested ? " (stop requested)" : "", message);
}

int main(int argc, char** argv) {
    const char* output = argc > 1 ? argv[1] : "emission.csv";
    int epochs = argc > 2 ? atoi(argv[2]) : 3;
    const char* region = argc > 3 ? argv[3] : "FR";
    if (epochs < 1) epochs = 1;

    printf("eco2 %s\n", eco2_version());
    eco2_config* config = NULL;
    CHECK(eco2_config_create(&config));
    CHECK(eco2_config_set_project(config, "c-example"));
    CHECK(eco2_config_set_experiment(config, "C API training loop"));
    CHECK(eco2_config_set_output(config, output));
    CHECK(eco2_config_set_period(config, 0.1));
    CHECK(eco2_config_set_region(config, region));
    CHECK(eco2_config_set_expected_epochs(config, epochs));
    CHECK(eco2_config_set_event_callback(config, on_event, NULL));

    eco2_tracker* tracker = NULL;
    CHECK(eco2_tracker_create(config, &tracker));
    CHECK(eco2_config_destroy(config)); /* the tracker keeps its own copy */

    CHECK(eco2_tracker_start_training(tracker));
    for (int e = 0; e < epochs; ++e) {
        double loss = train_one_epoch(0.2, e);
        CHECK(eco2_tracker_report_work(tracker, 1000.0, loss / 2, NAN));
        CHECK(eco2_tracker_epoch_param_number(tracker, "loss", loss));
        CHECK(eco2_tracker_epoch_param_string(tracker, "phase", e == 0 ? "warm-up" : "main"));
        eco2_result* row = NULL;
        CHECK(eco2_tracker_new_epoch(tracker, &row));
        const char* label = NULL;
        double cpu_j = 0, epi = 0;
        CHECK(eco2_result_epoch(row, &label, NULL));
        CHECK(eco2_result_energy_j(row, ECO2_CPU, &cpu_j));
        CHECK(eco2_result_energy_per_item_j(row, &epi));
        printf("%s: cpu %.3f J, %.3g J per item\n", label, cpu_j, epi);
        CHECK(eco2_result_destroy(row));
    }

    eco2_result* total = NULL;
    CHECK(eco2_tracker_stop_training(tracker, &total));
    double j[3], kwh = 0, kg = 0, seconds = 0, intensity = 0;
    const char* source[3];
    const char* where = NULL;
    int status = 0;
    for (int c = ECO2_CPU; c <= ECO2_RAM; ++c) {
        CHECK(eco2_result_energy_j(total, c, &j[c]));
        CHECK(eco2_result_source(total, c, &source[c]));
    }
    CHECK(eco2_result_energy_kwh(total, &kwh));
    CHECK(eco2_result_co2_kg(total, &kg));
    CHECK(eco2_result_duration_s(total, &seconds));
    CHECK(eco2_result_intensity(total, &intensity));
    CHECK(eco2_result_region(total, &where));
    CHECK(eco2_result_status(total, &status));
    printf("total: %.3f s, %.3g kWh, %.3g kg CO2 at %.1f g/kWh (%s), status %s\n", seconds, kwh, kg,
           intensity, where, status == ECO2_RUN_COMPLETED ? "completed" : "other");
    printf("  cpu %.3f J  %s\n  gpu %.3f J  %s\n  ram %.3f J  %s\n", j[ECO2_CPU], source[ECO2_CPU],
           j[ECO2_GPU], source[ECO2_GPU], j[ECO2_RAM], source[ECO2_RAM]);
    CHECK(eco2_result_destroy(total));
    CHECK(eco2_tracker_destroy(tracker));
    return status == ECO2_RUN_COMPLETED && kwh > 0 ? 0 : 1;
}
