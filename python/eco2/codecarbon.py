"""eco2.codecarbon: CodeCarbon's API over eco2's tracker, so that a CodeCarbon script keeps working with one
changed import::

    from eco2.codecarbon import EmissionsTracker          # was: from codecarbon import EmissionsTracker

    tracker = EmissionsTracker(project_name="bert", country_iso_code="FRA")
    tracker.start()
    train()
    emissions_kg = tracker.stop()

OfflineEmissionsTracker, track_emissions (bare or with arguments), the context manager, start_task/stop_task,
flush() and final_emissions_data keep CodeCarbon's meanings, and the records go to CodeCarbon's emissions.csv
(its columns, in its order; appended to an existing file). What differs (docs/codecarbon.md): eco2 never calls
a network API and never guesses a location: without country_iso_code, cloud_provider/cloud_region or
force_carbon_intensity the world average is used, with a warning naming the arguments to give.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import platform
import uuid
import warnings
from collections import OrderedDict
from typing import Any, Callable, Optional, TypeVar

from . import _core
from ._codecarbon_data import (
    COLUMNS,  # noqa: F401 (public: CodeCarbon's columns)
    _IGNORED,
    EmissionsData,
    _location,
    _ram_total_gb,
    _Totals,
    _write_row,
)
from ._tracker import _running, _running_lock

__all__ = ["EmissionsData", "EmissionsTracker", "OfflineEmissionsTracker", "track_emissions"]

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger("eco2.codecarbon")

class EmissionsTracker:
    """CodeCarbon's EmissionsTracker over eco2: start(), stop() -> kg CO2eq, context manager, tasks, flush().

    Arguments with CodeCarbon's meanings: project_name, experiment_id, measure_power_secs (sampling period,
    s), output_dir, output_file (default emissions.csv), save_to_file, on_csv_write ("append", the default, or
    "update": the run's row is replaced), country_iso_code (ISO 3166-1 alpha-3, "FRA"), region (a region of
    that country: "california", "quebec", or a zone key), cloud_provider + cloud_region ("aws" + "us-east-1",
    "gcp" + "europe-west4", "azure" + "westeurope"), pue, tracking_mode ("machine": the whole machine;
    "process": this process and its children), log_level, force_carbon_intensity (gCO2eq/kWh), and
    default_cpu_power / force_cpu_power (W: the CPU power of eco2's TDP model when RAPL cannot be read).
    Other CodeCarbon arguments are accepted with a warning saying what eco2 does instead.
    """

    _offline = False

    def __init__(
        self,
        project_name: Optional[str] = None,
        measure_power_secs: Optional[float] = None,
        *,
        experiment_id: Optional[str] = None,
        output_dir: Optional[str] = None,
        output_file: Optional[str] = None,
        save_to_file: Optional[bool] = None,
        on_csv_write: Optional[str] = None,
        country_iso_code: Optional[str] = None,
        region: Optional[str] = None,
        cloud_provider: Optional[str] = None,
        cloud_region: Optional[str] = None,
        pue: Optional[float] = None,
        tracking_mode: Optional[str] = None,
        log_level: Optional[Any] = None,
        force_carbon_intensity: Optional[float] = None,
        **other: Any,
    ) -> None:
        self._project_name = project_name if project_name is not None else "codecarbon"
        self._experiment_id = experiment_id if experiment_id is not None else ""
        period = 15.0 if measure_power_secs is None else measure_power_secs
        if isinstance(period, bool) or not isinstance(period, (int, float)) or not period > 0:
            raise ValueError(f"measure_power_secs must be a positive number of seconds, not {period!r}")
        self._measure_power_secs = float(period)
        self._output_dir = os.fspath(output_dir) if output_dir is not None else "."
        self._output_file = os.fspath(output_file) if output_file is not None else "emissions.csv"
        self._save_to_file = True if save_to_file is None else bool(save_to_file)
        if self._save_to_file:  # CodeCarbon fails at stop() on a missing folder; eco2 makes it now
            os.makedirs(self._output_dir, exist_ok=True)
        self._on_csv_write = on_csv_write or "append"
        if self._on_csv_write not in ("append", "update"):
            raise ValueError(f"on_csv_write must be 'append' or 'update', not {on_csv_write!r}")
        self._pue = 1.0 if pue is None else float(pue)
        self._tracking_mode = tracking_mode or "machine"
        if self._tracking_mode not in ("machine", "process"):
            raise ValueError(f"tracking_mode must be 'machine' or 'process', not {tracking_mode!r}")
        if log_level is not None:
            logger.setLevel(log_level.upper() if isinstance(log_level, str) else log_level)

        cpu_tdp = None
        for name in ("force_cpu_power", "default_cpu_power"):
            if other.get(name) is not None and cpu_tdp is None:
                cpu_tdp = float(other[name])
        offline = other.pop("offline", None)
        for name in sorted(other):
            if name in _IGNORED and _IGNORED[name] is None:
                continue
            why = _IGNORED.get(name, "not a CodeCarbon argument eco2 knows")
            warnings.warn(f"eco2.codecarbon: argument {name}={other[name]!r} ignored: {why}", UserWarning,
                          stacklevel=2)
        if offline:
            self._offline = True

        self._cloud_provider = cloud_provider or ""
        self._cloud_region = cloud_region or ""
        self._location = _location(country_iso_code, region, cloud_provider, cloud_region, force_carbon_intensity)
        if self._location.provider is None:
            warnings.warn(
                f"eco2.codecarbon: no location given, so the world average {_core.WORLD_AVERAGE_G_PER_KWH} "
                "gCO2/kWh is used (eco2 does not locate the machine through the network). Pass "
                "country_iso_code='FRA' (ISO 3166-1 alpha-3), cloud_provider='aws' with cloud_region='us-east-1', "
                "or force_carbon_intensity=<g/kWh>.",
                UserWarning,
                stacklevel=2,
            )
        period_s = min(max(self._measure_power_secs, 0.01), 3600.0)
        self._core = _core.Tracker(
            project_name=self._project_name,
            experiment_description=self._experiment_id,
            output="",
            write_series=False,
            period=period_s,
            checkpoint=max(10.0, period_s),
            scope=self._tracking_mode,
            pue=self._pue,
            intensity=self._location.provider,
            cpu_tdp=cpu_tdp,
        )
        self.run_id: Optional[str] = None
        self.final_emissions_data: Optional[EmissionsData] = None
        self.final_emissions: Optional[float] = None
        self._result: Optional[_core.Result] = None
        self._task: Optional[str] = None  # the running task's name
        # Totals of the marks made so far (duration s, cpu J, gpu J, ram J, kg CO2) and the hardware names.
        self._sum = [0.0] * 5
        self._names = ("", "")
        self._tasks: "OrderedDict[str, EmissionsData]" = OrderedDict()
        self._gpu_count: Optional[int] = None

    # ------------------------------------------------------------------------------------------ CodeCarbon's API

    def start(self) -> None:
        """Starts measuring. A second start() while running only warns, as CodeCarbon does."""
        if self._core.running:
            warnings.warn("eco2.codecarbon: the tracker is already started", UserWarning, stacklevel=2)
            return
        self._core.start()
        snap = self._core.snapshot()
        self.run_id = snap.id
        self._sum = [0.0] * 5
        self._names = (snap.cpu_name, snap.gpu_name)
        self._result = None
        self.final_emissions_data = None
        self.final_emissions = None
        with _running_lock:
            _running.add(self)

    def stop(self) -> Optional[float]:
        """Stops measuring, writes the run's row and returns its emissions in kg CO2eq (None if never
        started, as CodeCarbon). A running task is stopped first."""
        if not self._core.running:
            if self._result is None:
                warnings.warn("eco2.codecarbon: stop() before start()", UserWarning, stacklevel=2)
                return None
            return self.final_emissions
        if self._task is not None:
            self.stop_task()
        result = self._core.stop()
        with _running_lock:
            _running.discard(self)
        self._result = result
        data = self._data(_Totals.of(result), (result.cpu_name, result.gpu_name))
        self.final_emissions_data = data
        self.final_emissions = data.emissions
        self._persist(data)
        logger.info(
            "eco2.codecarbon: %s: %.3g kg CO2eq, %.3g kWh in %.1f s (cpu: %s)",
            self._project_name, data.emissions, data.energy_consumed, data.duration, result.cpu.source,
        )
        return data.emissions

    def flush(self) -> Optional[float]:
        """Writes a row with the run's totals so far (the run goes on) and returns its emissions, kg CO2eq."""
        if not self._core.running:
            warnings.warn("eco2.codecarbon: flush() needs a started tracker", UserWarning, stacklevel=2)
            return None
        self._mark()
        data = self._data(_Totals(*self._sum), self._names)
        self._persist(data)
        return data.emissions

    def start_task(self, task_name: Optional[str] = None) -> None:
        """Starts measuring a task (the tracker starts too if needed); one task at a time, as CodeCarbon."""
        if self._task is not None:
            raise RuntimeError(f"task {self._task!r} is running: call stop_task() first")
        if not self._core.running:
            self.start()
        name = task_name or str(uuid.uuid4())
        if name in self._tasks:
            warnings.warn(f"eco2.codecarbon: task {name!r} ran before: its figures are replaced",
                          UserWarning, stacklevel=2)
        self._mark()  # the task starts exactly here
        self._task = name

    def stop_task(self, task_name: Optional[str] = None) -> EmissionsData:
        """Stops the running task and returns its EmissionsData (the energy and emissions between
        start_task() and now, from a fresh sample). Tasks are not written to the CSV file, as in CodeCarbon."""
        if self._task is None:
            raise RuntimeError("no task is running: call start_task() first")
        name = self._task
        if task_name is not None and task_name != name:
            raise RuntimeError(f"the running task is {name!r}, not {task_name!r}")
        row = self._mark()
        self._task = None
        data = self._data(_Totals.of(row), self._names)
        self._tasks[name] = data
        return data

    # ------------------------------------------------------------------------------------------ extras

    @property
    def tasks(self) -> "OrderedDict[str, EmissionsData]":
        """The stopped tasks' EmissionsData by name, in order."""
        return self._tasks

    @property
    def result(self) -> Optional[_core.Result]:
        """eco2's own result of the run (energy per component with its source); None before stop()."""
        return self._result

    def __enter__(self) -> "EmissionsTracker":
        self.start()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._core.running:
            if exc is None:
                self.stop()
            else:
                try:
                    self.stop()
                except Exception as stop_error:  # the user's exception goes on
                    warnings.warn(f"eco2.codecarbon: stopping after an exception failed: {stop_error}")
        return False

    def _stop_at_exit(self) -> None:
        if self._core.running:
            self.stop()

    # ------------------------------------------------------------------------------------------ internals

    def _gpus(self) -> int:
        if self._gpu_count is None:
            self._gpu_count = sum(
                1 for r in self._core.sensors() if r.used for c in r.channels if c.startswith("nvml.gpu.")
            )
        return self._gpu_count

    def _mark(self) -> _core.Result:
        """Closes a mark (a fresh sample: tasks and flushes end exactly here) and adds it to the totals."""
        row = self._core.new_epoch([])
        for i, v in enumerate(_Totals.of(row)):
            self._sum[i] += v
        self._names = (row.cpu_name or self._names[0], row.gpu_name or self._names[1])
        return row

    def _data(self, t: "_Totals", names: tuple) -> EmissionsData:
        duration, cpu_j, gpu_j, ram_j, co2 = t
        per_s = (lambda j: j / duration) if duration > 0 else (lambda j: 0.0)
        return EmissionsData(
            timestamp=datetime.datetime.now().strftime("%Y-%m-%dT%H:%M:%S"),
            project_name=self._project_name,
            run_id=self.run_id or "",
            experiment_id=self._experiment_id,
            duration=duration,
            emissions=co2,
            emissions_rate=co2 / duration if duration > 0 else 0.0,
            cpu_power=per_s(cpu_j),
            gpu_power=per_s(gpu_j),
            ram_power=per_s(ram_j),
            cpu_energy=cpu_j / 3.6e6,
            gpu_energy=gpu_j / 3.6e6,
            ram_energy=ram_j / 3.6e6,
            energy_consumed=(cpu_j + gpu_j + ram_j) * self._pue / 3.6e6,
            country_name=self._location.country_name,
            country_iso_code=self._location.country_iso_code,
            region=self._location.region,
            cloud_provider=self._cloud_provider,
            cloud_region=self._cloud_region,
            os=platform.platform(),
            python_version=platform.python_version(),
            codecarbon_version=f"eco2 {_core.version()}",
            cpu_count=os.cpu_count() or 0,
            cpu_model=names[0],
            gpu_count=self._gpus(),
            gpu_model=names[1],
            longitude=None,
            latitude=None,
            ram_total_size=_ram_total_gb(),
            tracking_mode=self._tracking_mode,
            on_cloud="Y" if self._cloud_provider else "N",
            pue=self._pue,
        )

    def _persist(self, data: EmissionsData) -> None:
        if not self._save_to_file:
            return
        path = os.path.join(self._output_dir, self._output_file)
        _write_row(path, data, update=self._on_csv_write == "update")


class OfflineEmissionsTracker(EmissionsTracker):
    """CodeCarbon's OfflineEmissionsTracker: the same as EmissionsTracker here (eco2 is always offline). Give
    country_iso_code (and region), or cloud_provider + cloud_region, as CodeCarbon asks."""

    _offline = True


def track_emissions(fn: Optional[F] = None, *, offline: bool = False, **tracker_args: Any) -> Any:
    """CodeCarbon's decorator: @track_emissions, or @track_emissions(project_name=..., offline=True,
    country_iso_code="FRA", ...). Each call of the function is one run (one row); its return value is the
    function's, and an exception from it is re-raised after the row is written."""

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def tracked(*args: Any, **kwargs: Any) -> Any:
            cls = OfflineEmissionsTracker if offline else EmissionsTracker
            with cls(**tracker_args):
                return f(*args, **kwargs)

        return tracked  # type: ignore[return-value]

    if fn is not None:
        if not callable(fn):
            raise TypeError("track_emissions() takes a function, or keyword arguments for the tracker")
        return decorate(fn)
    return decorate
