/* eco2.h: the C API of eco2. Measure the energy (CPU, GPU, RAM) and the CO2 of a program, from C or from any
 * language that can call C.
 *
 * Conventions
 * - Every function except eco2_version(), eco2_last_error() and eco2_status_name() returns an int status:
 *   ECO2_OK (0) on success, one of the ECO2_ERROR_* codes otherwise. No C++ exception ever crosses this API.
 * - After a failure, eco2_last_error() gives a message for it (what went wrong and, where there is one, the
 * fix). The message is kept per thread until the next failure in that thread.
 * - Handles (eco2_config, eco2_tracker, eco2_result) are opaque; each *_create has a *_destroy, which accepts
 *   NULL. Output pointers are written only on success.
 * - Units: energy in J (or kWh where the name says so), CO2 in kg, durations in s, intensity in gCO2/kWh.
 *   An optional figure that is not known (cost, energy per item, prediction...) reads as NaN (isnan()).
 * - Thread safety: different handles may be used from different threads at once. One tracker must not be used
 *   from two threads at the same time.
 *
 * Link with eco2::c (CMake: find_package(eco2)) or `pkg-config --cflags --libs eco2`.
 */
#ifndef ECO2_ECO2_H
#define ECO2_ECO2_H

#include "eco2/c_export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------- status codes */

/** Status returned by the functions of this API. */
enum eco2_status {
    ECO2_OK = 0,
    ECO2_ERROR_INVALID_ARGUMENT = 1, /**< a value out of range or malformed, a NULL handle or pointer */
    ECO2_ERROR_IO = 2,               /**< the records file could not be written or read */
    ECO2_ERROR_INVALID_STATE = 3,    /**< wrong order of calls: stop before start, start twice... */
    ECO2_ERROR_NOT_FOUND = 4,        /**< a named thing does not exist (an unknown region) */
    ECO2_ERROR_BUDGET_EXCEEDED = 5,  /**< a budget was crossed with stop_on_budget: the tracker stopped */
    ECO2_ERROR_INTERNAL = 6,         /**< a bug in eco2 */
    ECO2_ERROR_NO_MEMORY = 7         /**< an allocation failed */
};

/** Components whose energy is measured. */
enum eco2_component { ECO2_CPU = 0, ECO2_GPU = 1, ECO2_RAM = 2 };

/** What is measured: the calling process and its children, or the whole machine. */
enum eco2_scope { ECO2_SCOPE_PROCESS = 0, ECO2_SCOPE_MACHINE = 1 };

/** Status of a run, as in the records file's status column. */
enum eco2_run_status {
    ECO2_RUN_RUNNING = 0,       /**< a snapshot of a running tracker */
    ECO2_RUN_INTERRUPTED = 1,   /**< the tracker did not reach its end (only seen in the records file) */
    ECO2_RUN_COMPLETED = 2,     /**< stopped normally */
    ECO2_RUN_BUDGET_STOPPED = 3 /**< stopped because a budget was crossed */
};

/** What a tracker tells its event callback. */
enum eco2_event_kind {
    ECO2_EVENT_PREDICTION = 0,     /**< the total of a training was predicted (once) */
    ECO2_EVENT_BUDGET_WARNING = 1, /**< the prediction crosses a budget */
    ECO2_EVENT_BUDGET_EXCEEDED =
        2 /**< the measurement (or, with stop_on_budget, the prediction) crosses it */
};

/** Library version, "MAJOR.MINOR.PATCH". Never NULL. */
ECO2_C_EXPORT const char* eco2_version(void);

/** Message of the last failed call in the calling thread; "" if none failed yet. Never NULL. Valid until the
 *  next failing call in this thread. */
ECO2_C_EXPORT const char* eco2_last_error(void);

/** Name of a status code ("ok", "invalid argument", ...); "unknown status" for other values. Never NULL. */
ECO2_C_EXPORT const char* eco2_status_name(int status);

/* ------------------------------------------------------------------------------------------- configuration
 */

typedef struct eco2_config eco2_config;

/** Called when a tracker has something to say (see eco2_event_kind). message is one line, valid during the
 * call; stop_requested is 1 when the tracker wants the work stopped (stop_on_budget). Called from the
 * tracker's sampler thread or from the thread calling eco2_tracker_new_epoch(); it must not call back into
 * that tracker. */
typedef void (*eco2_event_callback)(int kind, const char* message, int stop_requested, void* user_data);

/** A configuration with eco2's defaults: project and experiment "default", records file "emission.csv",
 *  period 1 s, checkpoint 10 s, process scope, PUE 1, world-average intensity. */
ECO2_C_EXPORT int eco2_config_create(eco2_config** out);
ECO2_C_EXPORT int eco2_config_destroy(eco2_config* config);

/** project_name and experiment_description columns. */
ECO2_C_EXPORT int eco2_config_set_project(eco2_config* config, const char* name);
ECO2_C_EXPORT int eco2_config_set_experiment(eco2_config* config, const char* description);
/** Records file (CSV, one row per run or epoch). NULL or "": write no records file. */
ECO2_C_EXPORT int eco2_config_set_output(eco2_config* config, const char* path);
/** Keep the per-sample time series beside the records file (default 1). */
ECO2_C_EXPORT int eco2_config_set_write_series(eco2_config* config, int enabled);
/** Sampling period, 0.01 .. 3600 s (checked by eco2_tracker_create). */
ECO2_C_EXPORT int eco2_config_set_period(eco2_config* config, double seconds);
/** How often the run's row is rewritten while it runs, >= the period (checked by eco2_tracker_create). */
ECO2_C_EXPORT int eco2_config_set_checkpoint(eco2_config* config, double seconds);
/** ECO2_SCOPE_PROCESS or ECO2_SCOPE_MACHINE. */
ECO2_C_EXPORT int eco2_config_set_scope(eco2_config* config, int scope);
/** Power usage effectiveness of the data centre, >= 1 (checked by eco2_tracker_create). */
ECO2_C_EXPORT int eco2_config_set_pue(eco2_config* config, double pue);
/** CPU power of the TDP model (used when RAPL does not measure the CPU), W for all of the machine's CPUs,
 *  0.1 .. 100000 (checked by eco2_tracker_create); NaN removes it. The records show it as "tdp-model(205 W,
 *  C API; ...)". */
ECO2_C_EXPORT int eco2_config_set_cpu_tdp(eco2_config* config, double watts);
/** CPU model looked up in eco2's TDP table instead of /proc/cpuinfo's ("EPYC 7763"); NULL or "" removes it.
 *  eco2_tracker_create fails with ECO2_ERROR_INVALID_ARGUMENT when the table does not know it. */
ECO2_C_EXPORT int eco2_config_set_cpu_name(eco2_config* config, const char* name);
/** A fixed carbon intensity in gCO2/kWh (>= 0); region_label names it in the records (NULL: "user-supplied").
 */
ECO2_C_EXPORT int eco2_config_set_intensity(eco2_config* config, double g_per_kwh, const char* region_label);
/** The carbon intensity of a region from eco2's zone database: zone key ("FR", "US-CAL-CISO"), ISO 3166 code
 * or English name. ECO2_ERROR_NOT_FOUND (with the closest matches in eco2_last_error()) when unknown. */
ECO2_C_EXPORT int eco2_config_set_region(eco2_config* config, const char* region);
/** Training: declared number of epochs (enables the prediction), 0 = unknown. */
ECO2_C_EXPORT int eco2_config_set_expected_epochs(eco2_config* config, int epochs);
/** Training: epochs measured before the prediction is made, >= 1 (default 1). */
ECO2_C_EXPORT int eco2_config_set_predict_after(eco2_config* config, int epochs);
/** Facility energy budget in kWh (> 0); NaN removes it. */
ECO2_C_EXPORT int eco2_config_set_budget_kwh(eco2_config* config, double kwh);
/** CO2 budget in kg (> 0); NaN removes it. */
ECO2_C_EXPORT int eco2_config_set_budget_kg(eco2_config* config, double kg);
/** 1: when a budget is crossed, eco2_tracker_new_epoch() records the epoch, stops the tracker and returns
 *  ECO2_ERROR_BUDGET_EXCEEDED. 0 (default): events only. */
ECO2_C_EXPORT int eco2_config_set_stop_on_budget(eco2_config* config, int enabled);
/** 1 (default): the job and ranks of torchrun, SLURM or MPI come from the environment at start, in the
 *  record's job columns, with one measurer of the node's devices per job and node (docs/scale-out.md). 0: no
 *  job. */
ECO2_C_EXPORT int eco2_config_set_detect_job(eco2_config* config, int enabled);
/** Exponent of the error rate in the energy-precision ratio (default 1). */
ECO2_C_EXPORT int eco2_config_set_efficiency_alpha(eco2_config* config, double alpha);
/** Event callback (NULL: none). user_data is passed back as is. */
ECO2_C_EXPORT int eco2_config_set_event_callback(eco2_config* config, eco2_event_callback callback,
                                                 void* user_data);

/* ------------------------------------------------------------------------------------------- carbon set-up
 */

/** The location chain of `eco2 where` and `eco2 run` (docs/location.md): which zone, carbon intensity and
 *  price to use, and why. Fill a request with the eco2_carbon_set_* functions (all optional), run it with
 *  eco2_carbon_resolve(), read what it found, and give it to a configuration with eco2_config_set_carbon().
 *  Precedence of the value: a fixed intensity > an intensity series > the zone's value > the world average
 *  (with a warning). The zone: the region set here, else IP geolocation when turned on, else the system time
 *  zone. Changing the request after resolving needs another eco2_carbon_resolve(). */
typedef struct eco2_carbon eco2_carbon;

ECO2_C_EXPORT int eco2_carbon_create(eco2_carbon** out);
ECO2_C_EXPORT int eco2_carbon_destroy(eco2_carbon* carbon);
/** The region: zone key, ISO 3166 code, name or cloud region ("FR", "US-CA", "aws:us-east-1"); NULL or ""
 *  removes it. An unknown region makes eco2_carbon_resolve() fail with ECO2_ERROR_NOT_FOUND. */
ECO2_C_EXPORT int eco2_carbon_set_region(eco2_carbon* carbon, const char* region);
/** Cloud provider of a region that names none ("aws", "gcp", "azure"); NULL or "": none. */
ECO2_C_EXPORT int eco2_carbon_set_cloud(eco2_carbon* carbon, const char* provider);
/** The zone's value of that year (0: the latest, the default). */
ECO2_C_EXPORT int eco2_carbon_set_year(eco2_carbon* carbon, int year);
/** 1: the zone's marginal intensity instead of its average. */
ECO2_C_EXPORT int eco2_carbon_set_marginal(eco2_carbon* carbon, int marginal);
/** A fixed intensity in gCO2/kWh (>= 0), over everything else; NaN removes it. */
ECO2_C_EXPORT int eco2_carbon_set_intensity(eco2_carbon* carbon, double g_per_kwh);
/** A CSV file of timestamped intensities (docs/location.md); NULL or "" removes it. */
ECO2_C_EXPORT int eco2_carbon_set_intensity_series(eco2_carbon* carbon, const char* path);
/** A CSV file of the user's own zone values, looked up before eco2's; NULL or "" removes it. */
ECO2_C_EXPORT int eco2_carbon_set_intensity_table(eco2_carbon* carbon, const char* path);
/** Electricity price by local time ("07:00-23:00=0.25,23:00-07:00=0.12", or one price) in currency; NULL or ""
 *  removes it. */
ECO2_C_EXPORT int eco2_carbon_set_tariff(eco2_carbon* carbon, const char* bands, const char* currency);
/** IP geolocation (off by default: the request reveals the public address to the service): url NULL or "" for
 *  eco2's default service, timeout_s in (0, 60]. */
ECO2_C_EXPORT int eco2_carbon_set_geolocation(eco2_carbon* carbon, int enabled, const char* url, double timeout_s);
/** Runs the chain (reads the files named, the time zone, and asks the service when geolocation is on). A
 *  failure names the setting: ECO2_ERROR_NOT_FOUND (unknown region, no value for the year),
 *  ECO2_ERROR_INVALID_ARGUMENT (bad tariff, table or series), ECO2_ERROR_IO (a file unreadable). */
ECO2_C_EXPORT int eco2_carbon_resolve(eco2_carbon* carbon);
/** What the resolved set-up gives (ECO2_ERROR_INVALID_STATE before eco2_carbon_resolve()). The strings live as
 *  long as the handle, until its next eco2_carbon_resolve(). */
/** Carbon intensity now, gCO2/kWh. */
ECO2_C_EXPORT int eco2_carbon_intensity(const eco2_carbon* carbon, double* out);
/** The region column of the records ("FR", "World", "user-supplied"). */
ECO2_C_EXPORT int eco2_carbon_region(const eco2_carbon* carbon, const char** out);
/** How the intensity was chosen (the records' location_source). */
ECO2_C_EXPORT int eco2_carbon_source(const eco2_carbon* carbon, const char** out);
/** What gives the value ("zone FR: ...", "world average 436.5 gCO2/kWh"). */
ECO2_C_EXPORT int eco2_carbon_value_from(const eco2_carbon* carbon, const char** out);
/** The steps of the chain, highest precedence first: name ("region", "geolocation", "time zone", "world
 *  average"), status ("used", "-", "no zone", "off", "skipped") and detail; any pointer may be NULL. */
ECO2_C_EXPORT int eco2_carbon_step_count(const eco2_carbon* carbon, int* count);
ECO2_C_EXPORT int eco2_carbon_step(const eco2_carbon* carbon, int index, const char** name, const char** status,
                                   const char** detail);
/** Warnings of the set-up (the world average used...). */
ECO2_C_EXPORT int eco2_carbon_warning_count(const eco2_carbon* carbon, int* count);
ECO2_C_EXPORT int eco2_carbon_warning(const eco2_carbon* carbon, int index, const char** out);
/** The configuration uses the resolved set-up's intensity and price (ECO2_ERROR_INVALID_STATE when not
 *  resolved); carbon may be destroyed afterwards. */
ECO2_C_EXPORT int eco2_config_set_carbon(eco2_config* config, const eco2_carbon* carbon);

/* ------------------------------------------------------------------------------------------- tracker */

typedef struct eco2_tracker eco2_tracker;
typedef struct eco2_result eco2_result;

/** A tracker with a copy of config (NULL: the defaults); config may be destroyed afterwards. Checks the
 *  configuration: ECO2_ERROR_INVALID_ARGUMENT names the bad value. */
ECO2_C_EXPORT int eco2_tracker_create(const eco2_config* config, eco2_tracker** out);
/** Stops (and records) a running tracker, then frees it. */
ECO2_C_EXPORT int eco2_tracker_destroy(eco2_tracker* tracker);

/** Probes the sensors, writes the run's first row and starts measuring in a background thread. */
ECO2_C_EXPORT int eco2_tracker_start(eco2_tracker* tracker);
/** Stops measuring and writes the final row. *out (when out is not NULL) receives the run's result, to be
 *  freed with eco2_result_destroy(). ECO2_ERROR_INVALID_STATE when not running. */
ECO2_C_EXPORT int eco2_tracker_stop(eco2_tracker* tracker, eco2_result** out);
/** The figures so far, without stopping. */
ECO2_C_EXPORT int eco2_tracker_snapshot(const eco2_tracker* tracker, eco2_result** out);
/** *out = 1 while the tracker runs, else 0. */
ECO2_C_EXPORT int eco2_tracker_running(const eco2_tracker* tracker, int* out);

/** Training mode: like start, but each eco2_tracker_new_epoch() closes one row of the records file. */
ECO2_C_EXPORT int eco2_tracker_start_training(eco2_tracker* tracker);
/** Adds a parameter to the next epoch mark (e.g. "loss", 0.31). Parameters are kept in the order given. A
 *  number is a float in the epoch text ("loss: 1.0", Python's form); use _epoch_param_integer for counts. */
ECO2_C_EXPORT int eco2_tracker_epoch_param_number(eco2_tracker* tracker, const char* key, double value);
/** Adds an integer parameter to the next epoch mark ("batch: 32"). */
ECO2_C_EXPORT int eco2_tracker_epoch_param_integer(eco2_tracker* tracker, const char* key, long long value);
ECO2_C_EXPORT int eco2_tracker_epoch_param_string(eco2_tracker* tracker, const char* key, const char* value);
/** Closes the current epoch with the parameters added since the last mark (one row: exactly the energy since
 *  the previous mark) and starts the next. *out (when not NULL) receives the closed epoch's row. The pending
 *  parameters are cleared whatever the outcome. ECO2_ERROR_BUDGET_EXCEEDED: the epoch was recorded and the
 *  tracker stopped because a budget was crossed (stop_on_budget). */
ECO2_C_EXPORT int eco2_tracker_new_epoch(eco2_tracker* tracker, eco2_result** out);
/** Records the part after the last mark as a partial epoch and stops. *out: the whole run's totals. */
ECO2_C_EXPORT int eco2_tracker_stop_training(eco2_tracker* tracker, eco2_result** out);
/** Work done in the current epoch, for the efficiency indicators: items processed and FLOPs add up, the error
 *  rate (0..1) replaces the previous one. Pass NaN for a value not reported. ECO2_ERROR_INVALID_STATE when the
 *  tracker is not running (the work would belong to no row). */
ECO2_C_EXPORT int eco2_tracker_report_work(eco2_tracker* tracker, double items, double error_rate,
                                           double flops);

/* ------------------------------------------------------------------------------------------- results */

ECO2_C_EXPORT int eco2_result_destroy(eco2_result* result);

/** IT energy of one component (ECO2_CPU, ECO2_GPU, ECO2_RAM), J, before PUE. */
ECO2_C_EXPORT int eco2_result_energy_j(const eco2_result* result, int component, double* out);
/** Where a component's figure comes from ("rapl(...)", "tdp-model(...; estimated)", "none (nvml: absent)").
 *  The string lives as long as the result. */
ECO2_C_EXPORT int eco2_result_source(const eco2_result* result, int component, const char** out);
/** *out = 1 when the component's figure is modelled rather than read from a hardware counter. */
ECO2_C_EXPORT int eco2_result_estimated(const eco2_result* result, int component, int* out);
/** Facility energy = IT energy of all components x PUE, kWh (the power_consumption(kWh) column). */
ECO2_C_EXPORT int eco2_result_energy_kwh(const eco2_result* result, double* out);
/** CO2 emitted, kg. */
ECO2_C_EXPORT int eco2_result_co2_kg(const eco2_result* result, double* out);
/** Wall time covered, s. */
ECO2_C_EXPORT int eco2_result_duration_s(const eco2_result* result, double* out);
/** Mean carbon intensity applied, gCO2/kWh. */
ECO2_C_EXPORT int eco2_result_intensity(const eco2_result* result, double* out);
/** Region of the carbon intensity (the region/country column). Lives as long as the result. */
ECO2_C_EXPORT int eco2_result_region(const eco2_result* result, const char** out);
/** CPU time counted for the tracked process tree, s, and where it came from ("cgroup(cpu.stat)",
 *  "proc(ticks+getrusage)"...; the string lives as long as the result). Either pointer may be NULL. */
ECO2_C_EXPORT int eco2_result_tree_cpu(const eco2_result* result, double* cpu_time_s, const char** source);
/** Electricity cost; NaN when no price was configured. */
ECO2_C_EXPORT int eco2_result_cost(const eco2_result* result, double* out);
/** One of eco2_run_status. */
ECO2_C_EXPORT int eco2_result_status(const eco2_result* result, int* out);
/** Run id (UUID v4; all rows of one training share it). Lives as long as the result. */
ECO2_C_EXPORT int eco2_result_id(const eco2_result* result, const char** out);
/** Epoch column ("epoch: 3, loss: 0.31"; "N/A" outside training) and the 1-based epoch number (0 outside
 *  training). Either pointer may be NULL. The string lives as long as the result. */
ECO2_C_EXPORT int eco2_result_epoch(const eco2_result* result, const char** label, int* number);
/** Efficiency indicators: energy per item (J), energy-precision ratio, FLOP per J; NaN when not reported. */
ECO2_C_EXPORT int eco2_result_energy_per_item_j(const eco2_result* result, double* out);
ECO2_C_EXPORT int eco2_result_energy_precision_ratio(const eco2_result* result, double* out);
ECO2_C_EXPORT int eco2_result_flop_per_joule(const eco2_result* result, double* out);
/** Prediction of a training's total (NaN each until one was made). Any pointer may be NULL. */
ECO2_C_EXPORT int eco2_result_prediction(const eco2_result* result, double* duration_s, double* energy_kwh,
                                         double* co2_kg);
/** Problems met during the run: *count lines, read with eco2_result_warning(result, i, &text). */
ECO2_C_EXPORT int eco2_result_warning_count(const eco2_result* result, int* count);
ECO2_C_EXPORT int eco2_result_warning(const eco2_result* result, int index, const char** out);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ECO2_ECO2_H */
