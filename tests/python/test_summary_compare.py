"""eco2.summary() and eco2.compare() over real records: the library code of `eco2 summary` / `eco2 compare`
(src/report/), checked against the rows the trackers wrote."""

import csv

import pytest

import eco2
from conftest import burn_cpu, read_rows


def two_experiments(epochs=4):
    """Two experiments of `epochs` epochs each, the second burning twice the CPU time, accuracy rising."""
    for name, seconds in (("small", 0.02), ("large", 0.04)):
        with eco2.Tracker(project_name="p", experiment_description=name, file_name="runs.csv", save_params=False,
                          ignore_warnings=True) as t:
            for e in range(1, epochs + 1):
                burn_cpu(seconds)
                t.new_epoch({"loss": 1.0 / e, "accuracy": (0.6 if name == "small" else 0.7) + 0.05 * e})


def test_summary_write_to_file_true_writes_beside_the_records(env):
    two_experiments(epochs=2)
    table = eco2.summary("runs.csv", write_to_file=True)  # eco2AI raised TypeError here
    with open("runs_summary.csv", newline="") as f:
        written = list(csv.reader(f))
    assert written[1][1] == "p" and written[2][1] == "All the projects"
    rows = read_rows("runs.csv")
    total = sum(float(r["power_consumption(kWh)"]) for r in rows)
    assert float(written[2][3]) == pytest.approx(total, rel=1e-9)
    first = table[0] if isinstance(table, list) else table.iloc[0].to_dict()
    assert first["total CO2_emissions(kg)"] == pytest.approx(sum(float(r["CO2_emissions(kg)"]) for r in rows))


def test_summary_of_an_eco2ai_file_and_a_bad_one(env):
    with open("old.csv", "w") as f:
        f.write("id,project_name,experiment_description,epoch,start_time,duration(s),power_consumption(kWh),"
                "CO2_emissions(kg),CPU_name,GPU_name,OS,region/country,cost\n"
                "a,x,e,N/A,2023-01-01 10:00:00,10,0.5,0.2,c,,Linux,RU,\n"
                "b,x,e,N/A,2023-01-01 10:00:00,5,0.25,0.1,c,,Linux,RU,0.5\n")
    rows = eco2.summary("old.csv")
    rows = rows if isinstance(rows, list) else rows.to_dict("records")
    assert rows[0]["total power_consumption(kWh)"] == pytest.approx(0.75)
    assert rows[0]["total electricity cost"] == pytest.approx(0.5)  # the empty cost counts 0, as eco2AI wrote it
    with open("bad.csv", "w") as f:
        f.write("id,duration(s)\nx,fast\n")
    with pytest.raises(ValueError, match="bad.csv:2: column 'duration\\(s\\)' holds 'fast'"):
        eco2.summary("bad.csv")


def test_compare_by_experiment_with_the_pareto_front(env):
    two_experiments()
    rows = read_rows("runs.csv")
    entries = eco2.compare("runs.csv", metric="accuracy", maximize=True)
    entries = entries if isinstance(entries, list) else entries.to_dict("records")
    by_name = {e["key"]: e for e in entries}
    assert set(by_name) == {"large", "small"}
    for name, e in by_name.items():
        mine = [r for r in rows if r["experiment_description"] == name]
        assert e["co2_kg"] == pytest.approx(sum(float(r["CO2_emissions(kg)"]) for r in mine), rel=1e-9)
        assert e["duration_s"] == pytest.approx(sum(float(r["duration(s)"]) for r in mine), rel=1e-6)
    assert by_name["large"]["param.accuracy"] == pytest.approx(0.9)
    # large is more accurate; small uses less CPU time, so less CO2 (TDP model): both on the front
    assert by_name["small"]["co2_kg"] < by_name["large"]["co2_kg"]
    assert by_name["small"]["pareto"] and by_name["large"]["pareto"]
    text = eco2.compare("runs.csv", metric="accuracy", maximize=True, as_text=True)
    assert text.startswith("experiment") and "Pareto front of accuracy" in text and "e-0" not in text


def test_compare_runs_by_id_prefix(env):
    two_experiments(epochs=1)
    ids = []
    for r in read_rows("runs.csv"):
        if r["id"] not in ids:
            ids.append(r["id"])
    entries = eco2.compare("runs.csv", runs=[ids[1][:8], ids[0]])
    entries = entries if isinstance(entries, list) else entries.to_dict("records")
    assert [e["key"] for e in entries] == [ids[1], ids[0]]
    with pytest.raises(ValueError, match="no run 'nope'"):
        eco2.compare("runs.csv", runs=["nope"])
