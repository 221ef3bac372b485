"""eco2.Tracker: eco2AI's Tracker API over eco2's C++ tracker, plus a Pythonic layer (context manager, results,
budget callbacks)."""

from __future__ import annotations

import atexit
import functools
import math
import numbers
import os
import threading
import warnings
import weakref
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar, Union, overload

from . import _carbon, _core, _params

Result = _core.Result
TrackerEvent = _core.TrackerEvent

F = TypeVar("F", bound=Callable[..., Any])

_MIN_PERIOD_S = 0.01
_MAX_PERIOD_S = 3600.0
_CHECKPOINT_S = 10.0


class IncorrectMethodSequenceError(_core.InvalidState):
    """eco2AI's name for calls in the wrong order (stop before start...)."""


# Trackers still running when the interpreter exits are stopped (and their rows completed) while Python is
# still whole: after that, a sampler thread could not take the GIL to run a callback.
_running: "weakref.WeakSet[Tracker]" = weakref.WeakSet()
_running_lock = threading.Lock()


@atexit.register
def _stop_running_trackers() -> None:
    with _running_lock:
        trackers = list(_running)
    for tracker in trackers:
        try:
            tracker._stop_at_exit()
        except Exception as e:  # exiting anyway: say it, do not raise
            warnings.warn(f"eco2: stopping a tracker at exit failed: {e}")


def _param_value(value: Any) -> Union[int, float, str]:
    """An epoch parameter as eco2 stores it: numbers as numbers, everything else as its str() (eco2AI writes
    str(value)). Integers stay integers and floats floats, so the epoch text is eco2AI's (`batch: 32`,
    `loss: 1.0`). Numpy and torch scalars become numbers (float32 0.31 stays 0.31)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, numbers.Integral):
        return int(value) if -2**63 <= int(value) < 2**63 else str(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, numbers.Real):  # numpy scalars: their str() is the shortest form of their precision
        try:
            return float(str(value))
        except ValueError:
            return float(value)
    item = getattr(value, "item", None)  # 0-d arrays and tensors
    if callable(item):
        try:
            scalar = item()
        except (TypeError, ValueError, RuntimeError):
            scalar = None
        if isinstance(scalar, (int, float)) and not isinstance(scalar, bool):  # int stays int
            return _param_value(scalar)
    return str(value)


def _epoch_params(params: Optional[Mapping[str, Any]]) -> List[Tuple[str, Union[int, float, str]]]:
    if params is None:
        return []
    if not isinstance(params, Mapping):
        raise TypeError(f"new_epoch() takes a dict of parameters, not {type(params).__name__}")
    return [(str(k), _param_value(v)) for k, v in params.items()]


class Tracker:
    """Measures the energy and CO2 of this process (and its children) between start() and stop().

    eco2AI's arguments keep eco2AI's meanings:

    - project_name, experiment_description: the record's columns; file_name: the records file (.csv). Left
      out, they come from the saved defaults (set_params / get_params); the values used are saved as the new
      defaults, as eco2AI does (save_params=False turns that off).
    - measure_period: sampling period in s (eco2 reads counters, so energy does not depend on it much).
    - emission_level: carbon intensity in kg/MWh (= g/kWh); alpha_2_code (and region): the country (and a
      region of it) whose intensity eco2's zone database gives. Without any of them: the world average, with a
      warning (eco2 does not locate the machine through the network).
    - cpu_processes: "current" measures this process and its children, "all" the whole machine.
    - pue: power usage effectiveness of the data centre (>= 1).
    - encode_file: accepted for compatibility only. eco2 does NOT encrypt or encode anything: records are plain
      CSV, and a warning says so (eco2AI's "encoding" was a letter substitution, not protection).
    - electricity_pricing: {"HH:MM-HH:MM": price per kWh} covering the 24 hours; the record's cost column.
    - ignore_warnings: no warnings from eco2's Python layer.

    eco2's own keyword arguments: expected_epochs, predict_after (prediction of a training's total),
    budget_kwh, budget_kg, stop_on_budget (new_epoch() raises BudgetExceeded after recording the epoch),
    on_event (callable receiving TrackerEvent: prediction, budget warning/exceeded; it runs on eco2's sampler
    thread or in new_epoch(), must be quick and must not call this tracker), currency, write_series,
    efficiency_alpha, intensity (g/kWh) and zone (a zone key or region name of eco2's database), carbon (an
    eco2.where(...) set-up: the location chain of `eco2 run`, with series, tables and tariffs), cpu_tdp (W,
    all sockets: the CPU power of the TDP model when RAPL is not readable) and cpu_name (a CPU model to look up
    in eco2's TDP table instead of /proc/cpuinfo's), detect_job (default True: the job and ranks of torchrun,
    SLURM or MPI from the environment, in the record's job columns, with one measurer of the node's devices per
    job and node, docs/scale-out.md; False: none).
    """

    def __init__(
        self,
        project_name: Optional[str] = None,
        experiment_description: Optional[str] = None,
        file_name: Optional[Union[str, os.PathLike]] = None,
        measure_period: Optional[float] = None,
        emission_level: Optional[float] = None,
        alpha_2_code: Optional[str] = None,
        region: Optional[str] = None,
        cpu_processes: str = "current",
        pue: Optional[float] = None,
        encode_file: Optional[Union[str, bool]] = None,
        electricity_pricing: Optional[Mapping[str, float]] = None,
        ignore_warnings: bool = False,
        *,
        expected_epochs: int = 0,
        predict_after: int = 1,
        budget_kwh: Optional[float] = None,
        budget_kg: Optional[float] = None,
        stop_on_budget: bool = False,
        on_event: Optional[Callable[[TrackerEvent], Any]] = None,
        currency: str = "",
        write_series: bool = True,
        efficiency_alpha: float = 1.0,
        intensity: Optional[float] = None,
        zone: Optional[str] = None,
        carbon: Optional[_core.CarbonSetup] = None,
        save_params: bool = True,
        cpu_tdp: Optional[float] = None,
        cpu_name: Optional[str] = None,
        detect_job: bool = True,
    ) -> None:
        self._ignore_warnings = bool(ignore_warnings)
        defaults = _params.get_params()
        self.project_name = str(project_name if project_name is not None else defaults["project_name"])
        self.experiment_description = str(
            experiment_description if experiment_description is not None else defaults["experiment_description"]
        )
        self.file_name = os.fspath(file_name if file_name is not None else defaults["file_name"])
        if not self.file_name or not self.file_name.endswith(".csv"):
            raise ValueError(f"file_name must name a .csv file, not {self.file_name!r}")
        period = measure_period if measure_period is not None else defaults["measure_period"]
        if not isinstance(period, (int, float)) or isinstance(period, bool) or not period > 0:
            raise ValueError(f"measure_period must be a positive number of seconds, not {period!r}")
        self._measure_period = float(period)
        self._pue = float(pue if pue is not None else defaults["pue"])

        if cpu_processes not in ("current", "all"):
            raise ValueError(f"cpu_processes must be 'current' or 'all', not {cpu_processes!r}")
        if encode_file:
            # Always said, even with ignore_warnings: nobody should believe these records are protected.
            warnings.warn(
                "eco2: encode_file is accepted for compatibility but eco2 does not encrypt or encode anything: "
                f"the records are written in plain CSV to {self.file_name!r} only",
                UserWarning,
                stacklevel=2,
            )

        price = _carbon.price_provider(electricity_pricing, currency)
        if carbon is not None:  # eco2.where(...): the location chain of `eco2 run`
            if intensity is not None or zone is not None or emission_level is not None or alpha_2_code is not None:
                raise ValueError("carbon=eco2.where(...) already chooses the intensity: pass zone, intensity, "
                                 "emission_level or alpha_2_code to eco2.where(), not here as well")
            provider = carbon.intensity
            for line in carbon.warning_lines:  # naming eco2.where()'s arguments
                self._warn(f"eco2: {line}")
            if carbon.price is not None:
                if electricity_pricing is not None:
                    raise ValueError("carbon=eco2.where(tariff=...) already sets the price: drop electricity_pricing")
                price = carbon.price
        elif intensity is not None:
            provider = _core.fixed_intensity(float(intensity), zone or "user-supplied", "Tracker(intensity=...)")
        elif zone is not None:
            provider = _core.zone_intensity(zone)
        else:
            provider = _carbon.intensity_provider(emission_level, alpha_2_code, region)
        if provider is None:  # eco2AI's arguments asked for nothing
            self._warn(
                f"eco2: no emission_level or alpha_2_code given: the world average "
                f"{_core.WORLD_AVERAGE_G_PER_KWH} gCO2/kWh is used. Pass alpha_2_code='FR' (your country) or "
                "emission_level=<kg/MWh> for your grid."
            )
        self._emission_level = (
            provider.at(_now()) if provider is not None else _core.WORLD_AVERAGE_G_PER_KWH
        )

        period_s = min(max(self._measure_period, _MIN_PERIOD_S), _MAX_PERIOD_S)
        self._core = _core.Tracker(
            project_name=self.project_name,
            experiment_description=self.experiment_description,
            output=self.file_name,
            write_series=write_series,
            period=period_s,
            checkpoint=max(_CHECKPOINT_S, period_s),
            scope="machine" if cpu_processes == "all" else "process",
            pue=self._pue,
            intensity=provider,
            price=price,
            expected_epochs=expected_epochs,
            predict_after=predict_after,
            budget_kwh=budget_kwh,
            budget_kg=budget_kg,
            stop_on_budget=stop_on_budget,
            efficiency_alpha=efficiency_alpha,
            on_event=on_event,
            cpu_tdp=None if cpu_tdp is None else float(cpu_tdp),
            cpu_name=cpu_name or "",
            detect_job=bool(detect_job),
        )
        if save_params:  # only a configuration the tracker accepted becomes the new defaults
            _params.remember(
                project_name=self.project_name,
                experiment_description=self.experiment_description,
                file_name=self.file_name,
                measure_period=period,
                pue=pue if pue is not None else defaults["pue"],
            )
        self._training = False
        self._started = False
        self._result: Optional[Result] = None
        self._last_epoch: Optional[Result] = None

    # ------------------------------------------------------------------------------------------ eco2AI's API

    def start(self) -> None:
        """Starts measuring (a run: one row in the records file)."""
        if self._core.running:
            raise IncorrectMethodSequenceError(
                "the tracker is already running: call stop() (or stop_training()) first"
            )
        self._core.start()
        self._began(training=False)

    def start_training(self, start_epoch: int = 1) -> None:
        """Starts measuring a training: each new_epoch() closes one row (an epoch)."""
        if not isinstance(start_epoch, int):
            raise TypeError(f"start_epoch must be an int, not {type(start_epoch).__name__}")
        if start_epoch != 1:
            self._warn("eco2: epochs are numbered from 1 in the records; start_epoch is ignored")
        if self._core.running:
            raise IncorrectMethodSequenceError("the tracker is already running: call stop_training() first")
        self._core.start_training()
        self._began(training=True)

    def new_epoch(self, parameters_dict: Optional[Mapping[str, Any]] = None) -> Result:
        """Closes the current epoch with its parameters ({"loss": 0.31, "accuracy": 0.92}) and starts the next.
        The row holds exactly the energy used since the previous mark, all components. Returns that row.

        Raises BudgetExceeded (after recording the epoch; the tracker is then stopped) when stop_on_budget and a
        budget is crossed.
        """
        params = _epoch_params(parameters_dict)
        if not self._core.running:
            raise IncorrectMethodSequenceError("new_epoch() needs a running tracker: call start_training() first")
        try:
            row = self._core.new_epoch(params)
        except _core.BudgetExceeded:
            self._ended(None)
            raise
        self._last_epoch = row
        return row

    def stop_training(self) -> Optional[Result]:
        """Records the part after the last new_epoch() as a partial epoch (eco2AI loses it) and stops.
        Returns the whole training's totals."""
        return self.stop()

    def stop(self) -> Optional[Result]:
        """Stops measuring and writes the final row; returns the result (energy per component, CO2, duration,
        sources). In training mode, the same as stop_training().

        Calling it again returns the same result without writing anything (so a stop() in a `finally:` never
        replaces the exception on its way); after a budget stop inside new_epoch() it returns None (the rows are
        already written). Before start() it raises IncorrectMethodSequenceError."""
        if not self._core.running:
            if self._started:
                return self._result
            raise IncorrectMethodSequenceError(
                "Need to first start the tracker by running tracker.start() or tracker.start_training()"
            )
        result = self._core.stop()
        self._ended(result)
        return result

    def consumption(self) -> float:
        """Facility energy (kWh) so far (or of the finished run)."""
        return self._current().energy_kwh

    def price(self) -> float:
        """Electricity cost so far (0 without electricity_pricing)."""
        cost = self._current().cost
        return 0.0 if cost is None else cost

    def id(self) -> Optional[str]:
        """The run's id (UUID v4); all rows of a training share it. None before start()."""
        if self._core.running:
            return self._core.snapshot().id
        return self._result.id if self._result is not None else None

    def emission_level(self) -> float:
        """Carbon intensity in kg/MWh (= g/kWh)."""
        return self._emission_level

    def measure_period(self) -> float:
        """Sampling period, s."""
        return self._measure_period

    # ------------------------------------------------------------------------------------------ eco2's API

    def report_work(
        self, items: Optional[float] = None, error_rate: Optional[float] = None, flops: Optional[float] = None
    ) -> None:
        """Work done in the current epoch, for the efficiency indicators: items (samples, tokens...) and FLOPs
        add up, the error rate (0..1, e.g. 1 - accuracy) replaces the previous one. Gives energy per item,
        the energy-precision ratio and FLOP/J in the records and results."""
        for name, value in (("items", items), ("flops", flops)):
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, not {value!r}")
        if error_rate is not None and not 0 <= error_rate <= 1:
            raise ValueError(f"error_rate must be within 0..1, not {error_rate!r}")
        self._core.report_work(
            items=None if items is None else float(items),
            error_rate=None if error_rate is None else float(error_rate),
            flops=None if flops is None else float(flops),
        )

    def snapshot(self) -> Result:
        """The figures of the whole run so far, without stopping."""
        return self._core.snapshot()

    @property
    def running(self) -> bool:
        return self._core.running

    @property
    def result(self) -> Optional[Result]:
        """What stop() returned; None before."""
        return self._result

    def sensors(self) -> List[_core.ProbeReport]:
        """What each measurement back end reported at start()."""
        return self._core.sensors()

    def __enter__(self) -> "Tracker":
        if not self._core.running:
            self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._core.running:
            if exc is None:
                self.stop()
            else:
                # The user's exception goes on; a failure to stop must not replace it.
                try:
                    self.stop()
                except Exception as stop_error:
                    warnings.warn(f"eco2: stopping the tracker after an exception failed: {stop_error}")
        return False

    def __repr__(self) -> str:
        state = "running" if self._core.running else ("stopped" if self._started else "not started")
        return f"eco2.Tracker(project_name={self.project_name!r}, file_name={self.file_name!r}, {state})"

    # ------------------------------------------------------------------------------------------ internals

    def _began(self, training: bool) -> None:
        self._training = training
        self._started = True
        self._result = None
        with _running_lock:
            _running.add(self)

    def _ended(self, result: Optional[Result]) -> None:
        self._result = result
        with _running_lock:
            _running.discard(self)

    def _stop_at_exit(self) -> None:
        if self._core.running:
            self.stop()

    def _current(self) -> Result:
        if self._core.running:
            return self._core.snapshot()
        if self._result is not None:
            return self._result
        raise IncorrectMethodSequenceError("the tracker has not run yet")

    def _warn(self, message: str) -> None:
        if not self._ignore_warnings:
            warnings.warn(message, UserWarning, stacklevel=3)


def _now() -> Any:
    import datetime

    return datetime.datetime.now()


@overload
def track(func: F) -> F: ...
@overload
def track(func: None = None, **tracker_args: Any) -> Callable[[F], F]: ...


def track(func: Optional[F] = None, **tracker_args: Any) -> Any:
    """Decorator: the function's calls are tracked (one row each).

    @eco2.track uses the saved defaults, like eco2AI; @eco2.track(project_name="x", file_name="y.csv", ...)
    passes Tracker arguments. An exception from the function is recorded (the row is completed) and re-raised
    unchanged (eco2AI's second stop() replaced it with its own error).
    """

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            with Tracker(**tracker_args):
                return f(*args, **kwargs)

        return tracked  # type: ignore[return-value]

    if func is not None:
        if not callable(func):
            raise TypeError("track() takes a function, or keyword arguments for the Tracker")
        return decorate(func)
    return decorate


def available_devices() -> None:
    """Prints the CPU, GPU and RAM measurement this machine offers (eco2AI's available_devices), with what each
    eco2 back end found and how to fix what is missing."""
    probe = _core.Tracker(output="", write_series=False, period=1.0, detect_job=False)  # records nothing
    probe.start()
    try:
        snap = probe.snapshot()
        reports = probe.sensors()
    finally:
        probe.stop()
    print(f"CPU: {snap.cpu_name or 'unknown'}")
    print(f"GPU: {snap.gpu_name or 'no GPU seen'}")
    print(f"energy sources: cpu {snap.cpu.source}; gpu {snap.gpu.source}; ram {snap.ram.source}")
    for r in reports:
        line = f"  {r.backend:10} {r.status:18} {r.reason}"
        if r.fix:
            line += f" (fix: {r.fix})"
        print(line)


def probe_sensors(scope: str = "process") -> List[_core.ProbeReport]:
    """What each measurement back end reports (available, absent, permission denied...), without tracking."""
    return _core.probe_sensors(scope)
