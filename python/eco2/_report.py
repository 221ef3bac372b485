"""eco2.report() and eco2.card(): the same code as `eco2 report` and `eco2 card` (docs/report.md)."""
import os
from typing import Iterable, Optional, Union

from . import _core

PathLike = Union[str, os.PathLike]


def report(
    filename: Union[PathLike, Iterable[PathLike]] = "emission.csv",
    output: PathLike = "report.html",
    runs: Optional[Iterable[str]] = None,
    metric: Optional[str] = None,
    maximize: bool = False,
) -> str:
    """Writes one self-contained HTML report (charts inline, opens offline) of the runs in the records file(s).

    Returns the path written, or the page itself when output is "-". Raises eco2.InvalidArgument naming the
    problem (a file missing or not eco2's records, an unknown run id).
    """
    files = [os.fspath(filename)] if isinstance(filename, (str, os.PathLike)) else [os.fspath(f) for f in filename]
    return _core.report(files, list(runs or []), os.fspath(output), metric or "", maximize)


def card(
    filename: PathLike = "emission.csv",
    format: str = "hf",
    run: Optional[str] = None,
    experiment: Optional[str] = None,
    embodied_kg: Optional[float] = None,
    training_type: str = "pre-training",
) -> str:
    """A run's (or an experiment's) emissions card: "hf" (the model card's co2_eq_emissions YAML block), "sci"
    (ISO/IEC 21031:2024, each term listed) or "json". The last run of the file when neither run nor experiment
    is given."""
    return _core.card(os.fspath(filename), format, run or "", experiment or "", embodied_kg, training_type)
