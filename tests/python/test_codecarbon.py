"""eco2.codecarbon: CodeCarbon's README and documentation snippets, run with the one changed import
(`from codecarbon import X` -> `from eco2.codecarbon import X`), write CodeCarbon's emissions.csv; the figures
are checked against the process's own CPU time (the TDP model on a machine without RAPL, conftest.env)."""

import math
import os
import textwrap
import time
import warnings

import pytest

from conftest import burn_cpu, header, read_rows, run_python

# CodeCarbon's documented output columns, in order (docs "Output", EmissionsData). Typed here on purpose: the
# test must fail if the module's list changes.
CODECARBON_COLUMNS = (
    "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,"
    "ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,country_name,country_iso_code,region,"
    "cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,gpu_model,"
    "longitude,latitude,ram_total_size,tracking_mode,on_cloud,pue"
).split(",")

BURN = textwrap.dedent(
    """
    import time
    def burn(seconds):
        end = time.process_time() + seconds
        x = 0
        while time.process_time() < end:
            x += sum(i * i for i in range(1000))
        return x
    """
)


def run_snippet(snippet, cwd):
    """The snippet as CodeCarbon documents it, with only the import changed."""
    code = BURN + textwrap.dedent(snippet).replace("from codecarbon import", "from eco2.codecarbon import")
    r = run_python(code, cwd)
    assert r.returncode == 0, r.stderr
    return r


def test_readme_explicit_tracker(env):
    r = run_snippet(
        """
        from codecarbon import EmissionsTracker
        tracker = EmissionsTracker(country_iso_code="FRA")
        tracker.start()
        try:
            burn(0.3)
        finally:
            emissions = tracker.stop()
        print(repr(emissions))
        """,
        env,
    )
    kg = float(r.stdout.strip().splitlines()[-1])
    assert header(env / "emissions.csv") == CODECARBON_COLUMNS
    rows = read_rows(env / "emissions.csv")
    assert len(rows) == 1
    row = rows[0]
    assert math.isclose(float(row["emissions"]), kg, rel_tol=1e-12)
    assert row["country_iso_code"] == "FRA" and row["country_name"] == "France"
    assert row["project_name"] == "codecarbon" and row["tracking_mode"] == "machine" and row["on_cloud"] == "N"
    assert float(row["energy_consumed"]) > 0 and float(row["duration"]) > 0.25
    # emissions = energy x the zone's intensity (France, the database's latest year)
    assert 0 < kg / float(row["energy_consumed"]) < 0.2


def test_offline_tracker_as_context_manager_appends(env):
    snippet = """
        from codecarbon import OfflineEmissionsTracker
        with OfflineEmissionsTracker(country_iso_code="CAN", region="quebec", tracking_mode="process") as tracker:
            burn(0.2)
        print(tracker.final_emissions_data.region, tracker.final_emissions)
        """
    run_snippet(snippet, env)
    r = run_snippet(snippet, env)
    region, kg = r.stdout.split()
    assert region == "CA-QC" and float(kg) > 0
    rows = read_rows(env / "emissions.csv")
    assert len(rows) == 2, "the second run appends to the first one's file"
    assert header(env / "emissions.csv") == CODECARBON_COLUMNS
    assert rows[0]["run_id"] != rows[1]["run_id"]
    assert {r["country_iso_code"] for r in rows} == {"CAN"}


def test_decorator_with_arguments_and_bare(env):
    r = run_snippet(
        """
        from codecarbon import track_emissions

        @track_emissions(project_name="train", offline=True, country_iso_code="DEU", output_dir="out",
                         output_file="cc.csv", measure_power_secs=1)
        def train_model():
            burn(0.2)
            return 42

        @track_emissions
        def bare():
            return 7

        print(train_model(), bare())
        """,
        env,
    )
    assert r.stdout.split() == ["42", "7"]
    rows = read_rows(env / "out" / "cc.csv")
    assert [x["project_name"] for x in rows] == ["train"]
    assert rows[0]["country_iso_code"] == "DEU"
    bare = read_rows(env / "emissions.csv")
    assert len(bare) == 1 and bare[0]["country_iso_code"] == ""
    assert "world average" in r.stderr, "no location: the world average, said, never a guessed region"


def test_tasks_and_flush(env):
    r = run_snippet(
        """
        from codecarbon import EmissionsTracker
        tracker = EmissionsTracker(project_name="bert_inference", measure_power_secs=10, tracking_mode="process",
                                   force_cpu_power=64, cloud_provider="gcp", cloud_region="europe-west4")
        try:
            tracker.start_task("load dataset")
            burn(0.1)
            load = tracker.stop_task()
            tracker.start_task("build model")
            burn(0.4)
            build = tracker.stop_task()
            flushed = tracker.flush()
        finally:
            total = tracker.stop()
        print(load.cpu_energy, build.cpu_energy, load.duration, build.duration, flushed, total)
        print(build.country_iso_code, build.region, build.on_cloud, list(tracker.tasks))
        """,
        env,
    )
    first, second = r.stdout.strip().splitlines()[-2:]
    load_kwh, build_kwh, load_s, build_s, flushed, total = map(float, first.split())
    # The TDP model: 64 W x CPU seconds / 2 online CPUs (fixture), from fresh samples at each task boundary
    # (measure_power_secs=10 must not matter). The tasks burn 0.1 and 0.4 s of CPU.
    assert 0.1 * 32 * 0.8 <= load_kwh * 3.6e6 <= 0.1 * 32 * 1.5 + 1.0
    assert 0.4 * 32 * 0.9 <= build_kwh * 3.6e6 <= 0.4 * 32 * 1.3 + 1.0
    assert load_s < build_s < 5
    assert 0 < flushed <= total
    assert second.split(" ", 3)[:3] == ["NLD", "", "Y"]
    assert "'load dataset', 'build model'" in second
    rows = read_rows(env / "emissions.csv")
    assert len(rows) == 2, "flush() writes a row, stop() another (CodeCarbon's on_csv_write='append')"
    assert rows[0]["run_id"] == rows[1]["run_id"]
    assert rows[1]["cloud_provider"] == "gcp" and rows[1]["cloud_region"] == "europe-west4"
    assert float(rows[0]["emissions"]) <= float(rows[1]["emissions"])


def test_cpu_energy_is_the_processs_cpu_time(env):
    from eco2.codecarbon import EmissionsTracker

    t = EmissionsTracker(tracking_mode="process", force_cpu_power=100, force_carbon_intensity=500,
                         save_to_file=False)
    cpu0 = time.process_time()
    t.start()
    burn_cpu(0.5)
    kg = t.stop()
    cpu_s = time.process_time() - cpu0
    d = t.final_emissions_data
    assert math.isclose(d.cpu_energy * 3.6e6, 100 * cpu_s / 2, rel_tol=0.1)
    assert math.isclose(kg, d.energy_consumed * 500 / 1000, rel_tol=1e-9)
    assert math.isclose(d.cpu_power, d.cpu_energy * 3.6e6 / d.duration, rel_tol=1e-9)
    assert not (env / "emissions.csv").exists(), "save_to_file=False writes nothing"


def test_unknown_arguments_warn_and_api_calls_are_refused(env):
    from eco2.codecarbon import EmissionsTracker

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = EmissionsTracker(country_iso_code="FRA", save_to_api=True, api_key="x", no_such_argument=3,
                             log_level="error")
    text = " ".join(str(w.message) for w in caught)
    assert "save_to_api" in text and "no API calls" in text
    assert "no_such_argument" in text
    t.start()
    assert isinstance(t.stop(), float)


def test_bad_location_is_an_error_naming_the_fix(env):
    import eco2
    from eco2.codecarbon import EmissionsTracker

    with pytest.raises(eco2.NotFound, match="did you mean"):
        EmissionsTracker(country_iso_code="FRX")
    with pytest.raises(ValueError, match="cloud_region"):
        EmissionsTracker(cloud_provider="aws")


def test_existing_codecarbon_file_keeps_its_header(env):
    # A file CodeCarbon wrote, with a column eco2 does not fill: the row goes under the same names.
    extra = CODECARBON_COLUMNS + ["cpu_utilization_percent"]
    (env / "emissions.csv").write_text(",".join(extra) + "\n" + ",".join(["old"] * len(extra)) + "\n")
    from eco2.codecarbon import EmissionsTracker

    t = EmissionsTracker(country_iso_code="USA", region="california")
    t.start()
    t.stop()
    assert header(env / "emissions.csv") == extra
    rows = read_rows(env / "emissions.csv")
    assert len(rows) == 2 and rows[1]["cpu_utilization_percent"] == ""
    assert rows[1]["region"] == "US-CAL-CISO" and rows[1]["country_iso_code"] == "USA"
