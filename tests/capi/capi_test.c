/* Tests of the C API (include/eco2/eco2.h), in C99: status codes and messages for misuse, configuration,
 * a plain run, a training with epoch parameters and work, budgets and the event callback, result getters, the
 * job from the environment.
 *
 *   eco2_capi_test WORK_DIR     (created if needed; the records files of a previous run there are removed)
 *
 * Run by CTest with ECO2_SYS_ROOT at a fixture without RAPL, so the CPU figure is the TDP model.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "capi_check.h"
#include "eco2/eco2.h"

static char g_dir[4096];

static const char* path_in(const char* name) {
    static char buf[4200];
    snprintf(buf, sizeof buf, "%s/%s", g_dir, name);
    return buf;
}

static void burn_cpu(double seconds) {
    clock_t end = clock() + (clock_t)(seconds * CLOCKS_PER_SEC);
    volatile double x = 0.0;
    while (clock() < end) x = x + 1.0;
}

/* Lines in a file (rows of a records file = lines - 1). */
static int count_lines(const char* path) {
    FILE* f = fopen(path, "r");
    int n = 0, c;
    if (!f) return -1;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n') ++n;
    fclose(f);
    return n;
}

static int file_contains(const char* path, const char* text) {
    static char buf[1 << 16];
    FILE* f = fopen(path, "r");
    size_t n;
    if (!f) return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, text) != NULL;
}

static eco2_config* base_config(const char* output) {
    eco2_config* c = NULL;
    EXPECT_OK(eco2_config_create(&c));
    EXPECT_OK(eco2_config_set_output(c, path_in(output)));
    EXPECT_OK(eco2_config_set_period(c, 0.05));
    EXPECT_OK(eco2_config_set_checkpoint(c, 0.1));
    EXPECT_OK(eco2_config_set_intensity(c, 100.0, "XX"));
    return c;
}

static void test_version_and_names(void) {
    EXPECT(strcmp(eco2_version(), "") != 0);
    EXPECT(strchr(eco2_version(), '.') != NULL);
    EXPECT(strcmp(eco2_status_name(ECO2_OK), "ok") == 0);
    EXPECT(strcmp(eco2_status_name(ECO2_ERROR_BUDGET_EXCEEDED), "budget exceeded") == 0);
    EXPECT(strcmp(eco2_status_name(12345), "unknown status") == 0);
}

static void test_misuse_gives_codes_and_messages(void) {
    eco2_config* c = NULL;
    eco2_tracker* t = NULL;
    eco2_result* r = NULL;
    double v = 0;

    EXPECT(eco2_config_create(NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(strstr(eco2_last_error(), "NULL") != NULL);
    EXPECT(eco2_config_set_pue(NULL, 1.2) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_tracker_start(NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_result_co2_kg(NULL, &v) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT_OK(eco2_config_destroy(NULL));
    EXPECT_OK(eco2_tracker_destroy(NULL));
    EXPECT_OK(eco2_result_destroy(NULL));

    c = base_config("misuse.csv");
    /* Values are checked when the tracker is created; the message names the value. */
    EXPECT_OK(eco2_config_set_pue(c, 0.5));
    EXPECT(eco2_tracker_create(c, &t) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(t == NULL);
    EXPECT(strstr(eco2_last_error(), "PUE") != NULL || strstr(eco2_last_error(), "pue") != NULL);
    EXPECT_OK(eco2_config_set_pue(c, 1.0));
    EXPECT_OK(eco2_config_set_cpu_tdp(c, 0.0));
    EXPECT(eco2_tracker_create(c, &t) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(strstr(eco2_last_error(), "CPU TDP") != NULL);
    EXPECT_OK(eco2_config_set_cpu_tdp(c, NAN));
    EXPECT_OK(eco2_config_set_cpu_name(c, "EPYC 9999X"));
    EXPECT(eco2_tracker_create(c, &t) == ECO2_ERROR_INVALID_ARGUMENT);
    /* The fix names the C API's setter, not the CLI's flag. */
    EXPECT(strstr(eco2_last_error(), "eco2_config_set_cpu_tdp(config, W)") != NULL);
    EXPECT(strstr(eco2_last_error(), "--cpu-tdp") == NULL);
    EXPECT_OK(eco2_config_set_cpu_name(c, NULL));
    EXPECT(eco2_config_set_scope(c, 7) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_config_set_intensity(c, -1.0, NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_config_set_region(c, "Atlantis") == ECO2_ERROR_NOT_FOUND);
    EXPECT(strstr(eco2_last_error(), "Atlantis") != NULL);

    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT(eco2_tracker_stop(t, &r) == ECO2_ERROR_INVALID_STATE);
    EXPECT(r == NULL); /* outputs are written only on success */
    EXPECT(strstr(eco2_last_error(), "not running") != NULL);
    EXPECT(eco2_tracker_new_epoch(t, NULL) == ECO2_ERROR_INVALID_STATE);
    EXPECT(eco2_tracker_snapshot(t, &r) == ECO2_ERROR_INVALID_STATE);
    EXPECT(eco2_tracker_report_work(t, -5.0, NAN, NAN) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_tracker_report_work(t, NAN, 1.5, NAN) == ECO2_ERROR_INVALID_ARGUMENT);
    /* issue 11: work reported to a tracker never started was accepted (ECO2_OK) and went nowhere. */
    EXPECT(eco2_tracker_report_work(t, 10.0, NAN, NAN) == ECO2_ERROR_INVALID_STATE);
    EXPECT(strstr(eco2_last_error(), "not running") != NULL);
    EXPECT_OK(eco2_tracker_start(t));
    EXPECT(eco2_tracker_start(t) == ECO2_ERROR_INVALID_STATE);
    /* issue 11: a parameter that is not UTF-8 gave ECO2_ERROR_INTERNAL ("a bug in eco2"); a NUL cannot pass a
     * C string, but broken UTF-8 can. The epoch is refused with a clear message and the tracker goes on. */
    EXPECT_OK(eco2_tracker_epoch_param_string(t, "note", "caf\xe9"));
    EXPECT(eco2_tracker_new_epoch(t, NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(strstr(eco2_last_error(), "UTF-8") != NULL);
    EXPECT_OK(eco2_tracker_epoch_param_string(t, "note", "caf\xc3\xa9"));
    EXPECT_OK(eco2_tracker_new_epoch(t, NULL));
    EXPECT_OK(eco2_tracker_snapshot(t, &r));
    EXPECT(eco2_result_energy_j(r, 3, &v) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_result_warning(r, 99, NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT_OK(eco2_result_destroy(r));
    /* Destroying a running tracker stops it and completes its row. */
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT(file_contains(path_in("misuse.csv"), ",completed,"));
    EXPECT_OK(eco2_config_destroy(c));

    /* A records file that cannot be written. */
    EXPECT_OK(eco2_config_create(&c));
    EXPECT_OK(eco2_config_set_output(c, "/nonexistent-dir/x/emission.csv"));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT(eco2_tracker_start(t) == ECO2_ERROR_IO);
    EXPECT(strlen(eco2_last_error()) > 0);
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT_OK(eco2_config_destroy(c));
}

static void test_plain_run(void) {
    eco2_config* c = base_config("run.csv");
    eco2_tracker* t = NULL;
    eco2_result* r = NULL;
    double cpu = 0, gpu = -1, ram = 0, kwh = 0, kg = 0, s = 0, g = 0, cost = 0;
    const char* src = NULL;
    const char* region = NULL;
    const char* id = NULL;
    int running = -1, status = -1, estimated = -1;

    EXPECT_OK(eco2_config_set_project(c, "capi"));
    EXPECT_OK(eco2_config_set_experiment(c, "plain, \"quoted\""));
    EXPECT_OK(eco2_config_set_pue(c, 1.5));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_config_destroy(c)); /* the tracker has its own copy */
    EXPECT_OK(eco2_tracker_running(t, &running));
    EXPECT(running == 0);
    EXPECT_OK(eco2_tracker_start(t));
    EXPECT_OK(eco2_tracker_running(t, &running));
    EXPECT(running == 1);
    burn_cpu(0.3);
    EXPECT_OK(eco2_tracker_snapshot(t, &r));
    EXPECT_OK(eco2_result_status(r, &status));
    EXPECT(status == ECO2_RUN_RUNNING);
    EXPECT_OK(eco2_result_destroy(r));
    r = NULL;
    EXPECT_OK(eco2_tracker_stop(t, &r));
    EXPECT(r != NULL);
    EXPECT_OK(eco2_result_energy_j(r, ECO2_CPU, &cpu));
    EXPECT_OK(eco2_result_energy_j(r, ECO2_GPU, &gpu));
    EXPECT_OK(eco2_result_energy_j(r, ECO2_RAM, &ram));
    EXPECT_OK(eco2_result_energy_kwh(r, &kwh));
    EXPECT_OK(eco2_result_co2_kg(r, &kg));
    EXPECT_OK(eco2_result_duration_s(r, &s));
    EXPECT_OK(eco2_result_intensity(r, &g));
    EXPECT_OK(eco2_result_cost(r, &cost));
    EXPECT_OK(eco2_result_region(r, &region));
    EXPECT_OK(eco2_result_id(r, &id));
    EXPECT_OK(eco2_result_status(r, &status));
    EXPECT_OK(eco2_result_source(r, ECO2_CPU, &src));
    EXPECT_OK(eco2_result_estimated(r, ECO2_CPU, &estimated));
    double tree_cpu = 0;
    const char* tree_source = NULL;
    EXPECT_OK(eco2_result_tree_cpu(r, &tree_cpu, &tree_source));
    EXPECT(tree_cpu >= 0.29 && tree_cpu < 30); /* the 0.3 s burnt, from this process's own clocks */
    EXPECT(strcmp(tree_source, "proc(ticks+getrusage)") == 0);
    /* TDP model: 0.3 s of CPU time is worth at least a joule on any TDP of the table. */
    EXPECT(cpu > 1.0);
    EXPECT(gpu == 0.0);
    EXPECT(ram > 0.0);
    EXPECT(fabs(kwh - (cpu + gpu + ram) * 1.5 / 3.6e6) <= 1e-9 * kwh);
    EXPECT(fabs(kg - kwh * 100.0 / 1000.0) <= 1e-6 * kg);
    EXPECT(s >= 0.25 && s < 30);    /* clock() also counts the sampler thread */
    EXPECT(fabs(g - 100.0) < 1e-9); /* energy-weighted mean of a constant */
    EXPECT(isnan(cost));
    EXPECT(strcmp(region, "XX") == 0);
    EXPECT(strlen(id) == 36);
    EXPECT(status == ECO2_RUN_COMPLETED);
    EXPECT(strstr(src, "tdp-model") != NULL);
    EXPECT(estimated == 1);
    EXPECT(eco2_tracker_stop(t, NULL) == ECO2_ERROR_INVALID_STATE);
    EXPECT_OK(eco2_result_destroy(r));
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT(count_lines(path_in("run.csv")) == 2);
    EXPECT(file_contains(path_in("run.csv"), "\"plain, \"\"quoted\"\"\""));
}

static void test_training_with_params_and_work(void) {
    eco2_config* c = base_config("train.csv");
    eco2_tracker* t = NULL;
    eco2_result* rows[3] = {NULL, NULL, NULL};
    eco2_result* total = NULL;
    double e0 = 0, e1 = 0, epi = 0, ratio = 0, fpj = 0, cpu_total = 0, pd = 0, pe = 0, pk = 0, sum = 0;
    const char* label = NULL;
    int number = 0, i;

    EXPECT_OK(eco2_config_set_expected_epochs(c, 4));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_config_destroy(c));
    EXPECT_OK(eco2_tracker_start_training(t));
    for (i = 0; i < 3; ++i) {
        burn_cpu(0.3);
        EXPECT_OK(eco2_tracker_report_work(t, 500.0, NAN, 1e9));
        EXPECT_OK(eco2_tracker_report_work(t, 500.0, 0.25, NAN));
        EXPECT_OK(eco2_tracker_epoch_param_number(t, "loss", 0.5 / (i + 1)));
        EXPECT_OK(eco2_tracker_epoch_param_string(t, "phase", "main"));
        EXPECT_OK(eco2_tracker_epoch_param_integer(t, "batch", 32));
        EXPECT_OK(eco2_tracker_epoch_param_number(t, "lr", 1.0));
        EXPECT_OK(eco2_tracker_new_epoch(t, &rows[i]));
    }
    burn_cpu(0.1); /* after the last epoch: recorded as a partial epoch */
    EXPECT_OK(eco2_tracker_stop_training(t, &total));

    EXPECT_OK(eco2_result_epoch(rows[1], &label, &number));
    EXPECT(strcmp(label, "epoch: 2, loss: 0.25, phase: main, batch: 32, lr: 1.0") == 0); /* Python's str() */
    EXPECT(number == 2);
    EXPECT_OK(eco2_result_energy_j(rows[0], ECO2_CPU, &e0));
    EXPECT_OK(eco2_result_energy_j(rows[1], ECO2_CPU, &e1));
    EXPECT(fabs(e1 - e0) <= 0.05 * e0); /* equal CPU work, equal energy */
    EXPECT_OK(eco2_result_energy_per_item_j(rows[0], &epi));
    EXPECT_OK(eco2_result_energy_precision_ratio(rows[0], &ratio));
    EXPECT_OK(eco2_result_flop_per_joule(rows[0], &fpj));
    EXPECT(epi > 0 && !isnan(epi));
    EXPECT(fabs(ratio - 0.25 * epi) <= 1e-9 * epi);
    EXPECT(fpj > 0 && !isnan(fpj));
    /* The prediction is made after the first epoch and carried by later rows. */
    EXPECT_OK(eco2_result_prediction(rows[0], &pd, &pe, &pk));
    EXPECT(isnan(pe));
    EXPECT_OK(eco2_result_prediction(rows[2], &pd, &pe, &pk));
    EXPECT(pe > 0 && pd > 0 && pk > 0);
    /* Epoch rows add up to the total: nothing lost between marks. */
    EXPECT_OK(eco2_result_energy_j(total, ECO2_CPU, &cpu_total));
    for (i = 0; i < 3; ++i) {
        double e = 0;
        EXPECT_OK(eco2_result_energy_j(rows[i], ECO2_CPU, &e));
        sum += e;
        EXPECT_OK(eco2_result_destroy(rows[i]));
    }
    EXPECT(sum < cpu_total); /* the partial epoch has the rest */
    EXPECT_OK(eco2_result_epoch(total, &label, &number));
    EXPECT(strcmp(label, "3 epochs") == 0);
    EXPECT_OK(eco2_result_destroy(total));
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT(count_lines(path_in("train.csv")) == 5); /* header, 3 epochs, the partial one */
    EXPECT(file_contains(path_in("train.csv"), "epoch: 4 (partial)"));
}

struct events {
    int count, exceeded, stop_requested;
};

static void on_event(int kind, const char* message, int stop_requested, void* user_data) {
    struct events* e = (struct events*)user_data;
    ++e->count;
    if (kind == ECO2_EVENT_BUDGET_EXCEEDED) ++e->exceeded;
    if (stop_requested) ++e->stop_requested;
    EXPECT(message != NULL && strlen(message) > 0);
}

static void test_budget_stops_at_the_next_epoch(void) {
    eco2_config* c = base_config("budget.csv");
    eco2_tracker* t = NULL;
    eco2_result* row = NULL;
    struct events ev = {0, 0, 0};
    int running = 1;

    EXPECT_OK(eco2_config_set_expected_epochs(c, 10));
    EXPECT_OK(eco2_config_set_budget_kwh(c, 1e-9));
    EXPECT_OK(eco2_config_set_stop_on_budget(c, 1));
    EXPECT_OK(eco2_config_set_event_callback(c, on_event, &ev));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_config_destroy(c));
    EXPECT_OK(eco2_tracker_start_training(t));
    burn_cpu(0.2);
    EXPECT_OK(eco2_tracker_epoch_param_number(t, "loss", 0.5));
    EXPECT(eco2_tracker_new_epoch(t, &row) == ECO2_ERROR_BUDGET_EXCEEDED);
    EXPECT(row == NULL);
    EXPECT(strstr(eco2_last_error(), "budget") != NULL);
    EXPECT_OK(eco2_tracker_running(t, &running));
    EXPECT(running == 0);
    EXPECT(ev.exceeded == 1);
    EXPECT(ev.stop_requested == 1);
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT(file_contains(path_in("budget.csv"), ",budget_stopped,"));

    /* NaN removes a budget: no event then. */
    ev.count = ev.exceeded = ev.stop_requested = 0;
    c = base_config("nobudget.csv");
    EXPECT_OK(eco2_config_set_budget_kwh(c, 1e-9));
    EXPECT_OK(eco2_config_set_budget_kwh(c, NAN));
    EXPECT_OK(eco2_config_set_event_callback(c, on_event, &ev));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_config_destroy(c));
    EXPECT_OK(eco2_tracker_start_training(t));
    burn_cpu(0.1);
    EXPECT_OK(eco2_tracker_new_epoch(t, NULL));
    EXPECT_OK(eco2_tracker_stop_training(t, NULL));
    EXPECT(ev.count == 0);
    EXPECT_OK(eco2_tracker_destroy(t));
}

static void test_region_from_the_zone_database(void) {
    eco2_config* c = base_config("region.csv");
    eco2_tracker* t = NULL;
    eco2_result* r = NULL;
    const char* region = NULL;
    double g = 0;
    EXPECT_OK(eco2_config_set_region(c, "France"));
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_tracker_start(t));
    EXPECT_OK(eco2_tracker_stop(t, &r));
    EXPECT_OK(eco2_result_region(r, &region));
    EXPECT_OK(eco2_result_intensity(r, &g));
    EXPECT(strcmp(region, "FR") == 0);
    EXPECT(g > 0 && g < 200); /* France's grid is low-carbon */
    EXPECT_OK(eco2_result_destroy(r));
    EXPECT_OK(eco2_tracker_destroy(t));
    EXPECT_OK(eco2_config_destroy(c));
}

/* A tracker of configuration c (destroyed) that runs while burning 50 ms of CPU; its result. */
static eco2_result* run_briefly(eco2_config* c) {
    eco2_tracker* t = NULL;
    eco2_result* r = NULL;
    EXPECT_OK(eco2_tracker_create(c, &t));
    EXPECT_OK(eco2_config_destroy(c));
    EXPECT_OK(eco2_tracker_start(t));
    burn_cpu(0.05);
    EXPECT_OK(eco2_tracker_stop(t, &r));
    EXPECT_OK(eco2_tracker_destroy(t));
    return r;
}

/* The user's CPU power: the TDP model uses it, and the source says where it came from. */
static void test_cpu_tdp(void) {
    eco2_config* c = base_config("tdp.csv");
    eco2_result* r = NULL;
    const char* src = NULL;
    EXPECT_OK(eco2_config_set_cpu_tdp(c, 205.0));
    r = run_briefly(c);
    EXPECT_OK(eco2_result_source(r, ECO2_CPU, &src));
    EXPECT(strstr(src, "tdp-model(205 W, C API;") != NULL);
    EXPECT_OK(eco2_result_destroy(r));
}

/* The job from the environment (here ECO2_JOB_ID and torchrun's ranks, set by this test): the record's job
 * columns, and in machine scope the node's devices counted by the measurer the job's trackers elected (this
 * one, alone). eco2_config_set_detect_job(c, 0): no job, the tracker counts the devices itself. */
static void test_job_from_the_environment(void) {
    char xdg[4200];
    const char* vars[][2] = {{"ECO2_JOB_ID", "capi-job"}, {"RANK", "3"},        {"LOCAL_RANK", "1"},
                             {"GROUP_RANK", "1"},         {"WORLD_SIZE", "8"}, {"XDG_RUNTIME_DIR", xdg}};
    size_t i;
    int pass;
    snprintf(xdg, sizeof xdg, "%s", path_in("xdg"));
    mkdir(xdg, 0700);
    for (i = 0; i < sizeof vars / sizeof vars[0]; ++i) EXPECT(setenv(vars[i][0], vars[i][1], 1) == 0);
    for (pass = 0; pass < 2; ++pass) {
        eco2_config* c = base_config(pass == 0 ? "job.csv" : "nojob.csv");
        eco2_result* r = NULL;
        const char* src = NULL;
        EXPECT_OK(eco2_config_set_scope(c, ECO2_SCOPE_MACHINE));
        if (pass == 1) EXPECT_OK(eco2_config_set_detect_job(c, 0));
        r = run_briefly(c);
        EXPECT_OK(eco2_result_source(r, ECO2_CPU, &src));
        if (pass == 0) {
            /* the last columns: job_id, rank, local_rank, node_rank, world_size */
            EXPECT(file_contains(path_in("job.csv"), ",capi-job,3,1,1,8\n"));
            EXPECT(strstr(src, "node devices of job capi-job: measured by this rank") != NULL);
        } else {
            EXPECT(!file_contains(path_in("nojob.csv"), "capi-job"));
            EXPECT(strstr(src, "node devices") == NULL);
        }
        EXPECT_OK(eco2_result_destroy(r));
    }
    for (i = 0; i < sizeof vars / sizeof vars[0]; ++i) unsetenv(vars[i][0]);
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: eco2_capi_test WORK_DIR\n");
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
    mkdir(g_dir, 0755);
    {
        static const char* files[] = {"misuse.csv", "run.csv",      "train.csv",
                                      "budget.csv", "nobudget.csv", "region.csv",
                                      "job.csv",    "nojob.csv"};
        size_t i;
        for (i = 0; i < sizeof files / sizeof files[0]; ++i) remove(path_in(files[i]));
    }
    test_version_and_names();
    test_misuse_gives_codes_and_messages();
    test_plain_run();
    test_cpu_tdp();
    test_training_with_params_and_work();
    test_budget_stops_at_the_next_epoch();
    test_region_from_the_zone_database();
    test_job_from_the_environment();
    if (g_failures > 0) {
        fprintf(stderr, "%d check(s) failed\n", g_failures);
        return 1;
    }
    printf("all C API checks passed\n");
    return 0;
}
