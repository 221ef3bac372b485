/* Tests of the C API's carbon set-up (eco2_carbon_*, include/eco2/eco2.h), in C99: the location chain of
 * `eco2 where` from C, its steps and warnings, mistakes as status codes naming the setting, and a tracker
 * configured with it.
 *
 *   eco2_capi_carbon_test WORK_DIR
 *
 * Run by CTest with TZ=America/Los_Angeles and TZDIR at the tests' tzdata fixture, ECO2_SYS_ROOT at a fixture
 * without RAPL.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capi_check.h"
#include "eco2/eco2.h"

static char g_dir[4096];

/* The status of the step named name, or NULL. */
static const char* step_status(const eco2_carbon* c, const char* name) {
    int n = 0, i;
    EXPECT_OK(eco2_carbon_step_count(c, &n));
    for (i = 0; i < n; ++i) {
        const char *step = NULL, *status = NULL;
        EXPECT_OK(eco2_carbon_step(c, i, &step, &status, NULL));
        if (strcmp(step, name) == 0) return status;
    }
    return NULL;
}

static void test_region_gives_the_zone_and_every_step(void) {
    eco2_carbon* c = NULL;
    const char *region = NULL, *source = NULL, *from = NULL;
    double g = 0;
    int warnings = -1;
    EXPECT_OK(eco2_carbon_create(&c));
    EXPECT(eco2_carbon_intensity(c, &g) == ECO2_ERROR_INVALID_STATE); /* not resolved yet */
    EXPECT(strstr(eco2_last_error(), "eco2_carbon_resolve") != NULL);
    EXPECT_OK(eco2_carbon_set_region(c, "France"));
    EXPECT_OK(eco2_carbon_resolve(c));
    EXPECT_OK(eco2_carbon_region(c, &region));
    EXPECT_OK(eco2_carbon_intensity(c, &g));
    EXPECT_OK(eco2_carbon_source(c, &source));
    EXPECT_OK(eco2_carbon_value_from(c, &from));
    EXPECT(strcmp(region, "FR") == 0);
    EXPECT(g > 0 && g < 200);
    EXPECT(strstr(source, "C API eco2_carbon_set_region France") != NULL);
    EXPECT(strncmp(from, "zone FR: ", 9) == 0);
    EXPECT(step_status(c, "region") && strcmp(step_status(c, "region"), "used") == 0);
    EXPECT(step_status(c, "geolocation") && strcmp(step_status(c, "geolocation"), "off") == 0);
    EXPECT(step_status(c, "world average") && strcmp(step_status(c, "world average"), "skipped") == 0);
    EXPECT_OK(eco2_carbon_warning_count(c, &warnings));
    EXPECT(warnings == 0);
    EXPECT(eco2_carbon_step(c, 99, NULL, NULL, NULL) == ECO2_ERROR_INVALID_ARGUMENT);
    /* A changed request must be resolved again. */
    EXPECT_OK(eco2_carbon_set_cloud(c, "gcp"));
    EXPECT(eco2_carbon_region(c, &region) == ECO2_ERROR_INVALID_STATE);
    EXPECT_OK(eco2_carbon_destroy(c));
}

static void test_the_time_zone_when_no_region_is_set(void) {
    eco2_carbon* c = NULL;
    const char* source = NULL;
    EXPECT_OK(eco2_carbon_create(&c));
    EXPECT_OK(eco2_carbon_resolve(c));
    EXPECT_OK(eco2_carbon_source(c, &source));
    EXPECT(strstr(source, "time zone America/Los_Angeles") != NULL);
    EXPECT(step_status(c, "time zone") && strcmp(step_status(c, "time zone"), "used") == 0);
    EXPECT_OK(eco2_carbon_destroy(c));
}

/* The world average's warning names the C API's setter for the region (setter_name, as its errors do). */
static void test_the_world_average_warning_names_the_setter(void) {
    eco2_carbon* c = NULL;
    const char* text = NULL;
    int warnings = -1;
    setenv("TZ", "UTC", 1);
    EXPECT_OK(eco2_carbon_create(&c));
    EXPECT_OK(eco2_carbon_resolve(c));
    EXPECT_OK(eco2_carbon_warning_count(c, &warnings));
    EXPECT(warnings == 1);
    EXPECT_OK(eco2_carbon_warning(c, 0, &text));
    EXPECT(text && strstr(text, "world average") != NULL &&
           strstr(text, "; set eco2_carbon_set_region(carbon, ZONE)") != NULL && strstr(text, "--") == NULL);
    EXPECT_OK(eco2_carbon_destroy(c));
    setenv("TZ", "America/Los_Angeles", 1);
}

static void test_fixed_intensity_wins_and_the_zone_names_it(void) {
    eco2_carbon* c = NULL;
    const char* region = NULL;
    double g = 0;
    EXPECT_OK(eco2_carbon_create(&c));
    EXPECT_OK(eco2_carbon_set_region(c, "DE"));
    EXPECT_OK(eco2_carbon_set_intensity(c, 123.0));
    EXPECT_OK(eco2_carbon_resolve(c));
    EXPECT_OK(eco2_carbon_intensity(c, &g));
    EXPECT_OK(eco2_carbon_region(c, &region));
    EXPECT(g == 123.0);
    EXPECT(strcmp(region, "DE") == 0);
    EXPECT(eco2_carbon_set_intensity(c, -1.0) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT_OK(eco2_carbon_set_intensity(c, NAN)); /* removed: the zone's value again */
    EXPECT_OK(eco2_carbon_resolve(c));
    EXPECT_OK(eco2_carbon_intensity(c, &g));
    EXPECT(g != 123.0 && g > 0);
    EXPECT_OK(eco2_carbon_destroy(c));
}

static void test_mistakes_name_the_setting(void) {
    eco2_carbon* c = NULL;
    EXPECT_OK(eco2_carbon_create(&c));
    EXPECT_OK(eco2_carbon_set_region(c, "Atlantis"));
    EXPECT(eco2_carbon_resolve(c) == ECO2_ERROR_NOT_FOUND);
    EXPECT(strstr(eco2_last_error(), "eco2_carbon_set_region") != NULL);
    EXPECT(strstr(eco2_last_error(), "--") == NULL); /* no CLI option in a library message */
    EXPECT_OK(eco2_carbon_set_region(c, NULL));
    EXPECT_OK(eco2_carbon_set_tariff(c, "25:00-01:00=1", "EUR"));
    EXPECT(eco2_carbon_resolve(c) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(strstr(eco2_last_error(), "eco2_carbon_set_tariff") != NULL);
    EXPECT(eco2_carbon_set_geolocation(c, 1, NULL, 0.0) == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT(eco2_carbon_set_region(NULL, "FR") == ECO2_ERROR_INVALID_ARGUMENT);
    EXPECT_OK(eco2_carbon_destroy(c));
    EXPECT_OK(eco2_carbon_destroy(NULL));
}

static void test_a_tracker_uses_the_set_up(void) {
    char path[4200];
    eco2_carbon* carbon = NULL;
    eco2_config* config = NULL;
    eco2_tracker* t = NULL;
    eco2_result* r = NULL;
    const char* region = NULL;
    double g = 0, cost = 0;
    snprintf(path, sizeof path, "%s/carbon.csv", g_dir);
    remove(path);
    EXPECT_OK(eco2_carbon_create(&carbon));
    EXPECT_OK(eco2_carbon_set_region(carbon, "NO"));
    EXPECT_OK(eco2_carbon_set_tariff(carbon, "0.5", "NOK"));
    EXPECT_OK(eco2_config_create(&config));
    EXPECT(eco2_config_set_carbon(config, carbon) == ECO2_ERROR_INVALID_STATE);
    EXPECT_OK(eco2_carbon_resolve(carbon));
    EXPECT_OK(eco2_config_set_output(config, path));
    EXPECT_OK(eco2_config_set_write_series(config, 0));
    EXPECT_OK(eco2_config_set_carbon(config, carbon));
    EXPECT_OK(eco2_carbon_destroy(carbon)); /* the configuration keeps what it needs */
    EXPECT_OK(eco2_tracker_create(config, &t));
    EXPECT_OK(eco2_config_destroy(config));
    EXPECT_OK(eco2_tracker_start(t));
    EXPECT_OK(eco2_tracker_stop(t, &r));
    EXPECT_OK(eco2_result_region(r, &region));
    EXPECT_OK(eco2_result_intensity(r, &g));
    EXPECT_OK(eco2_result_cost(r, &cost));
    EXPECT(strcmp(region, "NO") == 0);
    EXPECT(g > 0 && g < 100); /* Norway's grid is mostly hydro */
    EXPECT(!isnan(cost) && cost >= 0);
    EXPECT_OK(eco2_result_destroy(r));
    EXPECT_OK(eco2_tracker_destroy(t));
}

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: eco2_capi_carbon_test WORK_DIR\n");
        return 2;
    }
    snprintf(g_dir, sizeof g_dir, "%s", argv[1]);
    mkdir(g_dir, 0755);
    test_region_gives_the_zone_and_every_step();
    test_the_time_zone_when_no_region_is_set();
    test_the_world_average_warning_names_the_setter();
    test_fixed_intensity_wins_and_the_zone_names_it();
    test_mistakes_name_the_setting();
    test_a_tracker_uses_the_set_up();
    if (g_failures > 0) {
        fprintf(stderr, "%d check(s) failed\n", g_failures);
        return 1;
    }
    printf("all C API carbon checks passed\n");
    return 0;
}
