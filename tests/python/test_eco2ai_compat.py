"""eco2AI's API: a script written for eco2AI runs with `import eco2 as eco2ai` and leaves the rows eco2AI would,
with the energy of each epoch right; and where eco2AI had bugs, eco2 does the right thing."""

import csv
import math
import os
import textwrap
import time
import warnings

import pytest

import eco2
from conftest import ECO2AI_COLUMNS, burn_cpu, header, read_rows, run_python

ECO2AI_SCRIPT = textwrap.dedent(
    """
    import sys
    import time
    import eco2 as eco2ai

    def work(seconds):
        # The same CPU work on every call, counted as CPU time: on a shared machine the same instructions take
        # more or less CPU time (SMT siblings, clock frequency), and the energy follows the CPU time.
        end = time.process_time() + seconds
        s = 0
        while time.process_time() < end:
            for i in range(1000):
                s += i * i
        return s

    N = float(sys.argv[1])

    tracker = eco2ai.Tracker(project_name="compat", experiment_description="baseline", file_name="emission.csv",
                             alpha_2_code="FR")
    tracker.start()
    work(N)
    tracker.stop()

    tracker = eco2ai.Tracker(project_name="compat", experiment_description="training", file_name="emission.csv",
                             alpha_2_code="FR")
    tracker.start_training()
    for epoch in range(3):
        work(N)
        tracker.new_epoch({"loss": 0.5 / (epoch + 1), "accuracy": 0.5 + epoch / 10})
    work(N / 3)  # evaluation after the last epoch
    tracker.stop_training()

    @eco2ai.track
    def train():
        work(N)
        return "trained"

    assert train() == "trained"
    print(eco2ai.summary("emission.csv").to_string())
    """
)


def test_typical_eco2ai_script_leaves_eco2ais_rows_with_correct_epoch_energy(env):
    proc = run_python(ECO2AI_SCRIPT, env, args=["0.35"], timeout=300)
    assert proc.returncode == 0, proc.stderr

    cols = header(env / "emission.csv")
    assert cols[:13] == ECO2AI_COLUMNS
    rows = read_rows(env / "emission.csv")
    assert [r["epoch"] for r in rows] == [
        "N/A",
        "epoch: 1, loss: 0.5, accuracy: 0.5",
        "epoch: 2, loss: 0.25, accuracy: 0.6",
        "epoch: 3, loss: 0.16666666666666666, accuracy: 0.7",
        "epoch: 4 (partial)",  # eco2AI loses the energy after the last new_epoch()
        "N/A",
    ]
    assert [r["experiment_description"] for r in rows] == ["baseline"] + ["training"] * 4 + ["training"]
    # The decorator's Tracker() took the defaults the previous Tracker saved, as eco2AI does.
    assert {r["project_name"] for r in rows} == {"compat"}
    assert all(r["region/country"] == "FR" for r in rows[:5])  # the decorator's has no alpha_2_code
    assert len({r["id"] for r in rows[1:5]}) == 1  # one id per training, as eco2AI
    assert all(r["status"] == "completed" for r in rows)
    for r in rows:
        kwh, kg = float(r["power_consumption(kWh)"]), float(r["CO2_emissions(kg)"])
        assert kwh > 0
        assert kg == pytest.approx(kwh * float(r["intensity(gCO2/kWh)"]) / 1000, rel=1e-6)

    # eco2AI's epoch rows held RAM energy only: here each epoch has its CPU energy, equal for equal work.
    epochs = rows[1:4]
    cpu = [float(r["cpu_energy(kWh)"]) for r in epochs]
    ram = [float(r["ram_energy(kWh)"]) for r in epochs]
    assert all(c > 100 * m for c, m in zip(cpu, ram))
    for c in cpu:
        assert c == pytest.approx(cpu[0], rel=0.05)
    # The plain run and the decorated call did the same work as one epoch.
    assert float(rows[0]["cpu_energy(kWh)"]) == pytest.approx(cpu[0], rel=0.05)
    assert float(rows[5]["cpu_energy(kWh)"]) == pytest.approx(cpu[0], rel=0.05)
    # The partial epoch holds the evaluation: about a third of an epoch.
    assert float(rows[4]["cpu_energy(kWh)"]) == pytest.approx(cpu[0] / 3, rel=0.25)

    # summary(): one line per project and one for all of them, with eco2AI's columns.
    assert "All the projects" in proc.stdout
    assert "total power_consumption(kWh)" in proc.stdout


def test_epoch_rows_add_up_to_the_training(env):
    t = eco2.Tracker(project_name="p", file_name="e.csv", measure_period=0.05, emission_level=100, save_params=False)
    t.start_training()
    rows = []
    for _ in range(3):
        burn_cpu(0.3)
        rows.append(t.new_epoch({"note": "x"}))
    burn_cpu(0.1)
    total = t.stop_training()
    csv_rows = read_rows("e.csv")
    assert len(csv_rows) == 4
    assert sum(float(r["cpu_energy(kWh)"]) for r in csv_rows) == pytest.approx(total.cpu.kwh, rel=1e-6)
    assert sum(float(r["CO2_emissions(kg)"]) for r in csv_rows) == pytest.approx(total.co2_kg, rel=1e-6)
    assert [r.epoch_number for r in rows] == [1, 2, 3]
    assert rows[0].epoch_params == {"epoch": 1, "note": "x"}
    assert csv_rows[3]["epoch"] == "epoch: 4 (partial)"
    assert float(csv_rows[3]["cpu_energy(kWh)"]) > 0


def test_track_decorator_with_and_without_arguments(env):
    @eco2.track
    def plain(x):
        burn_cpu(0.05)
        return x * 2

    @eco2.track(project_name="decorated", file_name="dec.csv", emission_level=50, save_params=False)
    def with_args(x, *, y=1):
        """Docstring kept."""
        burn_cpu(0.05)
        return x + y

    assert plain(21) == 42
    assert with_args(1, y=2) == 3
    assert with_args.__name__ == "with_args" and with_args.__doc__ == "Docstring kept."
    assert with_args(1) == 2
    default_rows = read_rows("emission.csv")
    assert len(default_rows) == 1
    assert default_rows[0]["project_name"] == eco2.get_params()["project_name"]
    rows = read_rows("dec.csv")
    assert [r["project_name"] for r in rows] == ["decorated", "decorated"]
    assert all(r["status"] == "completed" and float(r["cpu_energy(kWh)"]) > 0 for r in rows)
    assert all(float(r["intensity(gCO2/kWh)"]) == pytest.approx(50) for r in rows)
    with pytest.raises(TypeError):
        eco2.track(42)


class UserError(Exception):
    pass


def test_the_users_exception_is_never_masked(env):
    @eco2.track(file_name="fail.csv", save_params=False, ignore_warnings=True)
    def fails():
        burn_cpu(0.05)
        raise UserError("boom")

    with pytest.raises(UserError, match="boom"):
        fails()
    rows = read_rows("fail.csv")
    assert len(rows) == 1 and rows[0]["status"] == "completed"  # the run is recorded all the same

    t = eco2.Tracker(file_name="with.csv", save_params=False, ignore_warnings=True)
    with pytest.raises(UserError, match="inside"):
        with t:
            raise UserError("inside")
    assert not t.running and t.result is not None

    # eco2AI's own pattern (stop in except, then again in finally): the second stop() is harmless.
    t = eco2.Tracker(file_name="twice.csv", save_params=False, ignore_warnings=True)
    t.start()
    with pytest.raises(UserError, match="again"):
        try:
            raise UserError("again")
        except UserError:
            first = t.stop()
            raise
        finally:
            assert t.stop() is first
    assert len(read_rows("twice.csv")) == 1


def test_stop_before_start_is_an_error(env):
    t = eco2.Tracker(file_name="x.csv", save_params=False, ignore_warnings=True)
    with pytest.raises(eco2.IncorrectMethodSequenceError):
        t.stop()
    with pytest.raises(eco2.InvalidState):
        t.new_epoch({"loss": 1})


def test_summary_as_dataframe_and_as_plain_rows(env, monkeypatch):
    for project, seconds in (("b", 0.05), ("a", 0.05), ("b", 0.05)):
        with eco2.Tracker(project_name=project, file_name="s.csv", save_params=False, ignore_warnings=True,
                          electricity_pricing={"00:00-12:00": 0.2, "12:00-00:00": 0.2}):
            burn_cpu(seconds)
    rows = read_rows("s.csv")
    total_kwh = sum(float(r["power_consumption(kWh)"]) for r in rows)
    b_co2 = sum(float(r["CO2_emissions(kg)"]) for r in rows if r["project_name"] == "b")
    columns = ["project_name", "total duration(s)", "total power_consumption(kWh)", "total CO2_emissions(kg)",
               "total electricity cost"]

    # Without pandas (checked first: the DataFrame part below is skipped where pandas is not installed).
    with monkeypatch.context() as m:
        m.setitem(__import__("sys").modules, "pandas", None)  # import pandas now fails
        plain = eco2.summary("s.csv", write_to_file="plain.csv")
    assert isinstance(plain, list)
    assert [r["project_name"] for r in plain] == ["a", "b", "All the projects"]
    assert plain[-1]["total power_consumption(kWh)"] == pytest.approx(total_kwh)
    assert set(plain[0]) == set(columns)
    # eco2AI's scripts print the DataFrame: the plain table prints as one too (header, then index and values).
    lines = plain.to_string().splitlines()
    assert [c for c in columns if c not in lines[0]] == []
    assert lines[3].split()[:2] == ["2", "All"] and len(lines) == 4
    with open("plain.csv", newline="") as f:
        written = list(csv.reader(f))
    assert written[0] == [""] + columns and [r[1] for r in written[1:]] == ["a", "b", "All the projects"]
    assert float(written[3][3]) == pytest.approx(total_kwh)

    pd = pytest.importorskip("pandas")
    df = eco2.summary("s.csv")
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == columns
    assert list(df["project_name"]) == ["a", "b", "All the projects"]
    assert df["total power_consumption(kWh)"].iloc[-1] == pytest.approx(total_kwh)
    assert df["total CO2_emissions(kg)"].iloc[1] == pytest.approx(b_co2)
    assert df["total electricity cost"].iloc[-1] == pytest.approx(total_kwh * 0.2, rel=1e-6)
    eco2.summary("s.csv", write_to_file="sum.csv")
    assert "All the projects" in open("sum.csv").read()

    with pytest.raises(FileNotFoundError):
        eco2.summary("missing.csv")
    open("x.txt", "w").write("id\n")
    with pytest.raises(ValueError):
        eco2.summary("x.txt")


def test_set_and_get_params_live_in_the_users_config_dir(env, monkeypatch):
    package_dir = os.path.dirname(eco2.__file__)
    before = sorted(os.listdir(package_dir))
    assert eco2.get_params()["file_name"] == "emission.csv"  # built-in defaults
    eco2.set_params(project_name="saved", experiment_description="exp", file_name="saved.csv", measure_period=2)
    path = env / "xdg" / "eco2" / "tracker_defaults.json"
    assert eco2.params_path() == path and path.exists()
    params = eco2.get_params()
    assert params["project_name"] == "saved" and params["measure_period"] == 2 and params["pue"] == 1
    t = eco2.Tracker(ignore_warnings=True)
    assert (t.project_name, t.experiment_description, t.file_name, t.measure_period()) == ("saved", "exp",
                                                                                           "saved.csv", 2.0)
    # A Tracker's own arguments become the new defaults (eco2AI's documented behaviour)...
    eco2.Tracker(project_name="newer", ignore_warnings=True)
    assert eco2.get_params()["project_name"] == "newer"
    # ...unless told not to.
    eco2.Tracker(project_name="not saved", ignore_warnings=True, save_params=False)
    assert eco2.get_params()["project_name"] == "newer"
    # ...and a configuration the tracker refuses is not saved (it would break every later Tracker()).
    with pytest.raises(ValueError):
        eco2.Tracker(project_name="bad", pue=0.5, ignore_warnings=True)
    assert eco2.get_params()["project_name"] == "newer" and eco2.get_params()["pue"] == 1
    assert sorted(os.listdir(package_dir)) == before  # never written into the package

    # XDG_CONFIG_HOME unset (or relative, which the spec says to ignore): ~/.config.
    monkeypatch.setenv("HOME", str(env / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert eco2.params_path() == env / "home" / ".config" / "eco2" / "tracker_defaults.json"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    eco2.set_params(project_name="home")
    assert (env / "home" / ".config" / "eco2" / "tracker_defaults.json").exists()


def test_encode_file_does_not_pretend_to_protect_anything(env):
    with pytest.warns(UserWarning, match="does not encrypt"):
        t = eco2.Tracker(file_name="plain.csv", encode_file="secret.csv", ignore_warnings=True, save_params=False)
    with t:
        burn_cpu(0.02)
    assert not os.path.exists("secret.csv") and not os.path.exists("encoded_plain.csv")
    assert read_rows("plain.csv")[0]["project_name"]  # readable, plain CSV


def test_carbon_intensity_arguments(env):
    def run(**kwargs):
        with eco2.Tracker(file_name="c.csv", save_params=False, **kwargs) as t:
            burn_cpu(0.05)
        return t.result

    r = run(emission_level=500)  # kg/MWh = g/kWh
    assert r.intensity_g_per_kwh == pytest.approx(500)
    assert r.co2_kg == pytest.approx(r.energy_kwh * 0.5, rel=1e-6)
    france = eco2.define_carbon_index(alpha_2_code="FR")
    r = run(alpha_2_code="FR")
    assert r.region == "FR" and r.intensity_g_per_kwh == pytest.approx(france[0])
    assert france[0] < 150  # the zone database, not the world average
    r = run(alpha_2_code="US", region="California")
    assert r.region == "US-CAL-CISO"
    with pytest.warns(UserWarning, match="not in the zone database"):
        r = run(alpha_2_code="FR", region="Atlantis")
    assert r.region == "FR"
    with pytest.raises(ValueError):
        run(region="California")  # a region needs its country, as in eco2AI
    with pytest.raises(eco2.NotFound):
        run(alpha_2_code="XQ")  # never a silent world average
    with pytest.warns(UserWarning, match="world average"):
        r = run()
    assert r.intensity_g_per_kwh == pytest.approx(eco2.WORLD_AVERAGE_G_PER_KWH)
    assert eco2.Tracker(emission_level=300, save_params=False).emission_level() == 300


def test_cpu_processes_all_measures_the_machine(env):
    with eco2.Tracker(file_name="m.csv", cpu_processes="all", ignore_warnings=True, save_params=False) as t:
        burn_cpu(0.05)
    assert t.result.scope == "machine"
    assert read_rows("m.csv")[0]["scope"] == "machine"
    with pytest.raises(ValueError):
        eco2.Tracker(cpu_processes="some", save_params=False)


def test_electricity_pricing_gives_the_cost(env):
    pricing = {"8:30-19:00": 0.3, "19:00-6:00": 0.3, "6:00-8:30": 0.3}  # eco2AI's example intervals
    t = eco2.Tracker(file_name="p.csv", electricity_pricing=pricing, ignore_warnings=True, save_params=False)
    with t:
        burn_cpu(0.1)
    assert t.result.cost == pytest.approx(t.result.energy_kwh * 0.3, rel=1e-6)
    assert t.price() == t.result.cost
    assert float(read_rows("p.csv")[0]["cost"]) == pytest.approx(t.result.cost, rel=1e-6)
    for bad in ({"25:00-01:00": 1}, {"00:00-12:00": 1}, {"00:00-13:00": 1, "12:00-00:00": 2}, {"noon": 1}):
        with pytest.raises(ValueError):
            eco2.Tracker(electricity_pricing=bad, save_params=False, ignore_warnings=True)


def test_writing_while_the_csv_is_open_elsewhere_does_not_hang(env):
    # eco2AI waited for every Python process to close the file; eco2 only locks its own writes.
    t0 = time.monotonic()
    with eco2.Tracker(file_name="open.csv", ignore_warnings=True, save_params=False):
        burn_cpu(0.02)
    with open("open.csv") as reader:
        with eco2.Tracker(file_name="open.csv", ignore_warnings=True, save_params=False):
            burn_cpu(0.02)
        assert reader.readline().startswith("id,")
    assert time.monotonic() - t0 < 30
    assert len(read_rows("open.csv")) == 2


def test_available_devices_and_accessors(env, capsys):
    eco2.available_devices()
    out = capsys.readouterr().out
    assert "CPU:" in out and "GPU:" in out and "cpu-model" in out
    t = eco2.Tracker(file_name="a.csv", measure_period=0.5, ignore_warnings=True, save_params=False)
    assert t.id() is None and t.measure_period() == 0.5
    t.start()
    burn_cpu(0.05)
    run_id = t.id()
    assert len(run_id) == 36 and t.consumption() > 0
    t.stop()
    assert t.id() == run_id and t.price() == 0.0
    with pytest.raises(ValueError):
        eco2.Tracker(measure_period=0, save_params=False)
    with pytest.raises(ValueError):
        eco2.Tracker(file_name="no_extension", save_params=False)
