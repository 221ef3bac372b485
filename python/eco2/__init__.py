"""eco2: the energy (CPU, GPU, RAM) and CO2 of machine-learning jobs.

eco2AI's API, so that `import eco2 as eco2ai` keeps an eco2AI script working::

    import eco2 as eco2ai

    tracker = eco2ai.Tracker(project_name="mnist", experiment_description="cnn", alpha_2_code="FR")
    tracker.start_training()
    for epoch in range(10):
        train_one_epoch()
        tracker.new_epoch({"loss": loss, "accuracy": accuracy})
    tracker.stop_training()
    print(eco2ai.summary("emission.csv"))

and a Pythonic one::

    with eco2.Tracker(project_name="mnist", alpha_2_code="FR") as t:
        train()
    print(t.result.co2_kg, t.result.cpu.joules, t.result.cpu.source)

CodeCarbon's API is eco2.codecarbon (`from eco2.codecarbon import EmissionsTracker`), and `%load_ext eco2` gives
IPython/Jupyter the %%eco2 cell magic. See docs/python.md and docs/codecarbon.md.
"""

try:
    from . import _core
except ImportError as _e:  # built for another interpreter (a pyenv/conda/venv python3): say which, and how
    import sys as _sys

    try:
        from ._build import PYTHON_EXECUTABLE as _built_for, PYTHON_VERSION as _built_version
    except ImportError:  # the source tree's package, never built: no _build.py beside it
        raise ImportError(
            f"eco2's compiled module is not beside {__file__} (the source tree's package): build and install it "
            f"(cmake --preset release && cmake --build build/release --target eco2_python && cmake --install "
            f"build/release --component python; docs/python.md; for this interpreter add "
            f"-DPython3_EXECUTABLE={_sys.executable} to the first step) ({_e})"
        ) from _e
    raise ImportError(
        f"eco2's compiled module was built for {_built_for} (Python {_built_version}), not this interpreter "
        f"{_sys.executable} (Python {_sys.version_info[0]}.{_sys.version_info[1]}): run it with {_built_for}, "
        f"or rebuild for this one with cmake -DPython3_EXECUTABLE={_sys.executable} ({_e})"
    ) from _e

from ._core import (
    BudgetExceeded,
    CarbonSetup,
    ComponentEnergy,
    Error,
    InvalidArgument,
    InvalidState,
    IoError,
    NotFound,
    Prediction,
    ProbeReport,
    Result,
    TrackerEvent,
    WORLD_AVERAGE_G_PER_KWH,
    version,
)
from ._carbon import define_carbon_index
from ._report import card, report
from ._params import get_params, params_path, set_params
from ._summary import FileDoesNotExistsError, NotNeededExtensionError, compare, summary
from ._tracker import IncorrectMethodSequenceError, Tracker, available_devices, probe_sensors, track
from ._where import where

__version__ = version()


def load_ipython_extension(ipython):  # `%load_ext eco2`: the %%eco2 and %eco2_start/%eco2_stop magics
    from ._ipython import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython):
    from ._ipython import unload_ipython_extension as unload

    unload(ipython)

__all__ = [
    "BudgetExceeded",
    "CarbonSetup",
    "ComponentEnergy",
    "Error",
    "FileDoesNotExistsError",
    "IncorrectMethodSequenceError",
    "InvalidArgument",
    "InvalidState",
    "IoError",
    "NotFound",
    "NotNeededExtensionError",
    "Prediction",
    "ProbeReport",
    "Result",
    "Tracker",
    "TrackerEvent",
    "WORLD_AVERAGE_G_PER_KWH",
    "available_devices",
    "compare",
    "card",
    "define_carbon_index",
    "get_params",
    "params_path",
    "probe_sensors",
    "report",
    "set_params",
    "summary",
    "track",
    "version",
    "where",
]
