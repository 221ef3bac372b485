"""eco2's Pythonic layer: context manager, result objects, efficiency indicators, prediction and budgets with a
callback on the sampler thread, the GIL, exceptions, type hints."""

import ast
import datetime
import gc
import textwrap
import threading
import time
from pathlib import Path

import pytest

import eco2
import eco2._core as core
from conftest import burn_cpu, read_rows, run_python


def tracker(**kwargs):
    kwargs.setdefault("file_name", "emission.csv")
    kwargs.setdefault("measure_period", 0.05)
    kwargs.setdefault("emission_level", 200)
    return eco2.Tracker(save_params=False, **kwargs)


def test_context_manager_gives_a_result_object(env):
    with tracker(pue=1.5) as t:
        assert t.running
        burn_cpu(0.3)
        snap = t.snapshot()
        assert snap.status == "running"
    r = t.result
    assert isinstance(r, eco2.Result)
    assert not t.running and r.status == "completed"
    assert r.cpu.joules > 1.0 and r.cpu.estimated and "tdp-model" in r.cpu.source
    assert r.gpu.joules == 0 and r.gpu.source.startswith("none")
    assert r.ram.joules > 0 and "ram-model" in r.ram.source
    assert r.it_joules == pytest.approx(r.cpu.joules + r.gpu.joules + r.ram.joules)
    assert r.energy_kwh == pytest.approx(r.it_joules * 1.5 / 3.6e6)
    assert r.cpu.kwh == pytest.approx(r.cpu.joules / 3.6e6)
    assert r.co2_kg == pytest.approx(r.energy_kwh * 0.2, rel=1e-6)
    assert r.duration_s >= 0.25 and r.pue == 1.5 and r.intensity_g_per_kwh == pytest.approx(200)
    assert isinstance(r.start_time, datetime.datetime)
    assert abs((datetime.datetime.now() - r.start_time).total_seconds()) < 60
    assert r.epoch == "N/A" and r.epoch_number == 0 and r.epoch_params is None
    assert len(r.id) == 36 and r.scope == "process" and r.samples > 0
    assert "eco2.Result(" in repr(r) and "completed" in repr(r)
    assert read_rows("emission.csv")[0]["id"] == r.id


def test_efficiency_indicators_from_reported_work(env):
    t = tracker()
    t.start_training()
    burn_cpu(0.2)
    t.report_work(items=600, flops=2e9)
    t.report_work(items=400, error_rate=0.1)
    row = t.new_epoch({"loss": 0.3})
    assert row.items == 1000 and row.error_rate == 0.1 and row.flops == 2e9
    assert row.energy_per_item_j == pytest.approx(row.it_joules / 1000)
    assert row.energy_precision_ratio == pytest.approx(0.1 * row.energy_per_item_j)
    assert row.flop_per_joule == pytest.approx(2e9 / row.it_joules)
    total = t.stop_training()
    assert total.items == 1000
    csv_row = read_rows("emission.csv")[0]
    assert csv_row["items"] == "1000" and float(csv_row["energy_per_item(J)"]) > 0
    for bad in (dict(items=-1), dict(error_rate=1.5), dict(flops=float("nan"))):
        with pytest.raises(ValueError):
            t.report_work(**bad)


def test_epoch_parameters_of_many_types(env):
    np = pytest.importorskip("numpy")
    t = tracker()
    t.start_training()
    row = t.new_epoch({"loss": np.float32(0.31), "n": 3, "ok": True, "lr": np.float64(1e-3), "name": "adam",
                       "arr": np.array(0.5)})
    t.stop_training()
    assert row.epoch == "epoch: 1, loss: 0.31, n: 3, ok: True, lr: 0.001, name: adam, arr: 0.5"
    assert row.epoch_params == {"epoch": 1, "loss": 0.31, "n": 3, "ok": "True", "lr": 0.001, "name": "adam",
                                "arr": 0.5}
    with pytest.raises(TypeError):
        tracker().new_epoch(["not", "a", "dict"])


def test_epoch_text_is_pythons_str_of_each_value(env):
    """Failed before: every number was a double printed in its shortest form, so 1.0 read `loss: 1`."""
    t = tracker()
    t.start_training()
    values = {"loss": 1.0, "batch": 32, "lr": 1e-05, "big": 10**30, "neg": -2.5, "note": "x" * 300}
    row = t.new_epoch(values)
    t.stop_training()
    assert row.epoch == "epoch: 1, " + ", ".join(f"{k}: {v}" for k, v in values.items())


def test_prediction_within_ten_percent_and_a_budget_at_half_stops_the_training(env):
    events = []
    t = tracker(file_name="pred.csv", expected_epochs=6, on_event=events.append)
    t.start_training()
    for e in range(6):
        burn_cpu(0.3)
        t.new_epoch({"epoch_loss": 1 / (e + 1)})
    total = t.stop_training()
    predictions = [e for e in events if e.kind == "prediction"]
    assert len(predictions) == 1
    p = predictions[0].prediction
    assert (p.after_epochs, p.total_epochs) == (1, 6)
    assert p.energy_kwh == pytest.approx(total.energy_kwh, rel=0.10)
    assert p.co2_kg == pytest.approx(total.co2_kg, rel=0.10)
    assert total.prediction is not None

    events.clear()
    t = tracker(file_name="budget.csv", expected_epochs=6, budget_kwh=total.energy_kwh / 2, stop_on_budget=True,
                on_event=events.append)
    t.start_training()
    burn_cpu(0.3)
    with pytest.raises(eco2.BudgetExceeded):
        t.new_epoch({"loss": 0.5})  # the prediction after epoch 1 crosses the budget
    assert not t.running
    assert t.stop() is None  # nothing more to record, and no error
    kinds = [(e.kind, e.stop_requested) for e in events]
    assert ("budget_exceeded", True) in kinds
    rows = read_rows("budget.csv")
    assert [r["status"] for r in rows] == ["completed", "budget_stopped"]
    assert rows[0]["epoch"] == "epoch: 1, loss: 0.5"


def test_budget_callback_runs_on_the_sampler_thread_with_the_gil(env):
    events, threads = [], []
    seen = threading.Event()

    def on_event(e):
        events.append(e)
        threads.append(threading.get_ident())
        seen.set()

    t = tracker(budget_kwh=1e-12, on_event=on_event)
    t.start()
    burn_cpu(0.2)  # Python code running in this thread: the callback must take the GIL to run
    assert seen.wait(10)
    r = t.stop()
    assert events[0].kind == "budget_exceeded" and not events[0].stop_requested
    assert "budget" in events[0].message
    assert threads[0] != threading.get_ident()
    assert r.status == "completed"  # without stop_on_budget it only tells
    assert "eco2.TrackerEvent(" in repr(events[0])


def test_an_exception_in_the_callback_is_reported_not_fatal(env):
    unraisable = []
    hook = __import__("sys").unraisablehook
    __import__("sys").unraisablehook = unraisable.append
    try:
        def bad(e):
            raise RuntimeError("callback bug")

        t = tracker(budget_kwh=1e-12, on_event=bad)
        t.start()
        deadline = time.monotonic() + 10
        while not unraisable and time.monotonic() < deadline:
            time.sleep(0.01)
        r = t.stop()
    finally:
        __import__("sys").unraisablehook = hook
    assert r.status == "completed"
    assert unraisable and "callback bug" in str(unraisable[0].exc_value)


STOP_WHILE_CALLBACK_WAITS = textwrap.dedent(
    """
    import threading, time, gc, sys
    import eco2
    entered = threading.Event()
    def on_event(e):
        entered.set()
        time.sleep(0.3)  # releases the GIL; waking up needs it back while the main thread is in stop()
    t = eco2.Tracker(file_name="g.csv", measure_period=0.05, budget_kwh=1e-12, on_event=on_event,
                     ignore_warnings=True, save_params=False)
    t.start()
    assert entered.wait(10)
    t.stop()  # joins the sampler thread, which is inside the callback: stop() must not hold the GIL
    entered.clear()
    t = eco2.Tracker(file_name="g.csv", measure_period=0.05, budget_kwh=1e-12, on_event=on_event,
                     ignore_warnings=True, save_params=False)
    t.start()
    assert entered.wait(10)
    del t  # the last reference: the destructor stops the tracker, also without the GIL
    gc.collect()
    u = eco2.Tracker(file_name="g.csv", measure_period=0.05, ignore_warnings=True, save_params=False)
    u.start()
    print("ok")  # u is never stopped: the exit handler completes its row
    """
)


def test_blocking_calls_release_the_gil_and_exit_completes_running_trackers(env):
    proc = run_python(STOP_WHILE_CALLBACK_WAITS, env, timeout=60)  # a deadlock fails at the timeout
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
    rows = read_rows(env / "g.csv")
    assert [r["status"] for r in rows] == ["completed"] * 3


def test_errors_are_python_exceptions_with_meaningful_types(env):
    assert issubclass(eco2.InvalidArgument, ValueError) and issubclass(eco2.InvalidArgument, eco2.Error)
    assert issubclass(eco2.NotFound, LookupError) and issubclass(eco2.IoError, OSError)
    assert issubclass(eco2.Error, RuntimeError) and issubclass(eco2.BudgetExceeded, eco2.Error)
    with pytest.raises(eco2.InvalidArgument, match="PUE"):
        tracker(pue=0.5)
    with pytest.raises(eco2.NotFound, match="Atlantis"):
        tracker(zone="Atlantis")
    t = tracker(file_name="/nonexistent-dir/x/e.csv")
    with pytest.raises(eco2.IoError):
        t.start()
    t = tracker()
    t.start()
    with pytest.raises(eco2.InvalidState):
        t.start()
    t.stop()


def test_extras_intensity_and_zone(env):
    with tracker(intensity=42.0, emission_level=None) as t:
        burn_cpu(0.02)
    assert t.result.intensity_g_per_kwh == pytest.approx(42.0)
    with tracker(zone="US-CA", emission_level=None) as t:
        burn_cpu(0.02)
    assert t.result.region == "US-CAL-CISO"
    assert [p.backend for p in eco2.probe_sensors()][:1] == ["procfs"]
    assert any(p.backend == "cpu-model" and p.used for p in t.sensors())


def _stub_names(tree):
    names, classes = set(), {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            classes[node.name] = {n.name for n in node.body if isinstance(n, ast.FunctionDef)}
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign):
            names.add(node.target.id)
    return names, classes


def test_type_hints_cover_the_compiled_module():
    stub = Path(core.__file__).with_name("_core.pyi")
    assert stub.exists() and Path(core.__file__).with_name("py.typed").exists()
    names, classes = _stub_names(ast.parse(stub.read_text()))
    public = {n for n in dir(core) if not n.startswith("_")}
    assert public == names, f"missing in _core.pyi: {public - names}; not in _core: {names - public}"
    for cls, members in classes.items():
        obj = getattr(core, cls)
        if issubclass(obj, BaseException):
            continue
        actual = {n for n in vars(obj) if not n.startswith("_")}
        assert actual == members - {"__init__"}, f"{cls}: stub {sorted(members)} vs module {sorted(actual)}"
