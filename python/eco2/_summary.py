"""eco2AI's summary(): totals per project of a records file, then a line for all the projects."""

from __future__ import annotations

import csv
import json
import os
from typing import Any, Dict, List, Optional, Sequence, Union

COLUMNS = [
    "project_name",
    "total duration(s)",
    "total power_consumption(kWh)",
    "total CO2_emissions(kg)",
    "total electricity cost",
]
ALL_PROJECTS = "All the projects"


class FileDoesNotExistsError(FileNotFoundError):
    """eco2AI's name for a records file that does not exist."""


class NotNeededExtensionError(ValueError):
    """eco2AI's name for a file name without the .csv extension."""


def _files(filename: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]) -> List[str]:
    names = [filename] if isinstance(filename, (str, os.PathLike)) else list(filename)
    paths = [os.fspath(n) for n in names]
    for path in paths:
        if not os.path.exists(path):
            raise FileDoesNotExistsError(f"File '{path}' does not exist")
        if not path.endswith(".csv"):
            raise NotNeededExtensionError("File need to be with extension '.csv'")
    return paths


def summary_rows(filename: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]]) -> List[Dict[str, Any]]:
    """The summary as plain rows (dicts with eco2AI's column names), projects sorted by name, then the total.

    Summed by eco2's own reader (the code of `eco2 summary`): eco2's records, eco2AI's 13-column files and older
    eco2 layouts, read by column name. An empty cost (no tariff) counts 0, as eco2AI wrote it.
    """
    from . import _core

    doc = json.loads(_core.summary_json(_files(filename), "project"))
    if not doc["groups"]:
        raise ValueError("CSV file is empty, cannot summarize.")

    def row(name: str, g: Dict[str, Any]) -> Dict[str, Any]:
        sums = [g["duration_s"], g["energy_kwh"], g["co2_kg"], g["cost"]]
        return dict(zip(COLUMNS, [name] + [float(v) if v is not None else 0.0 for v in sums]))

    return [row(g["key"], g) for g in doc["groups"]] + [row(ALL_PROJECTS, doc["total"])]


class SummaryTable(list):
    """The summary as a list of dicts (one per project, then the total) when pandas is not installed.

    Offers the DataFrame methods eco2AI's scripts call on the summary (to_string, to_csv), so that
    `print(eco2ai.summary("emission.csv").to_string())` works without pandas too.
    """

    def to_string(self) -> str:
        cells = [[""] + COLUMNS] + [[str(i)] + [_cell(row[c]) for c in COLUMNS] for i, row in enumerate(self)]
        widths = [max(len(r[k]) for r in cells) for k in range(len(cells[0]))]
        return "\n".join(
            "  ".join(v.ljust(w) if k == 1 else v.rjust(w) for k, (v, w) in enumerate(zip(r, widths))).rstrip()
            for r in cells
        )

    def to_csv(self, path: Union[str, os.PathLike]) -> None:
        with open(os.fspath(path), "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow([""] + COLUMNS)
            for i, row in enumerate(self):
                writer.writerow([i] + [row[c] for c in COLUMNS])

    def __str__(self) -> str:
        return self.to_string()


def _cell(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _summary_path(filename: Any, write_to_file: Union[bool, str, os.PathLike]) -> Optional[str]:
    # write_to_file=True (eco2AI raised on it): beside the records file, "<name>_summary.csv".
    if write_to_file is True:
        first = filename if isinstance(filename, (str, os.PathLike)) else list(filename)[0]
        return os.fspath(first)[: -len(".csv")] + "_summary.csv"
    return os.fspath(write_to_file) if write_to_file else None


def summary(
    filename: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]],
    write_to_file: Union[bool, str, os.PathLike] = False,
) -> Any:
    """Sums duration, energy, CO2 and cost of a records file (or several) for each project and for all of them.

    Returns a pandas DataFrame with eco2AI's columns (project_name, total duration(s), total
    power_consumption(kWh), total CO2_emissions(kg), total electricity cost) when pandas can be imported, else
    the same table as a SummaryTable (a list of dicts with to_string() and to_csv()). write_to_file: a file name
    to write the table to (CSV, with the row index as eco2AI writes it), or True for "<records name>_summary.csv"
    beside the records file.
    """
    rows = summary_rows(filename)
    path = _summary_path(filename, write_to_file)
    try:
        import pandas as pd  # optional
    except ImportError:
        pd = None
    if pd is not None:
        table = pd.DataFrame(rows, columns=COLUMNS)
        if path:
            table.to_csv(path)
        return table
    table = SummaryTable(rows)
    if path:
        table.to_csv(path)
    return table


def compare(
    filename: Union[str, os.PathLike, Sequence[Union[str, os.PathLike]]] = "emission.csv",
    runs: Optional[Sequence[str]] = None,
    by: str = "experiment",
    metric: Optional[str] = None,
    maximize: bool = False,
    as_text: bool = False,
) -> Any:
    """Runs (runs=[id, ...], the baseline first; ids or unique prefixes) or groups (by="experiment" or
    "project") side by side, as `eco2 compare` shows them: duration, energy per component, CO2, intensity,
    energy per item, energy-precision ratio, the last value of each epoch parameter, the difference from the
    first in %, and with metric= the Pareto front of that metric against CO2 (maximize=True when larger is
    better). Returns a pandas DataFrame (one row per run or group) when pandas can be imported, else a list of
    dicts; as_text=True returns the table `eco2 compare` prints.
    """
    from . import _core

    args = (_files(filename), list(runs or []), by, metric or "", maximize)
    if as_text:
        return _core.compare_text(*args)
    entries = json.loads(_core.compare_json(*args))["entries"]
    rows = []
    for e in entries:
        params = e.pop("params")
        rows.append({**e, **{f"param.{k}": v for k, v in params.items()}})
    try:
        import pandas as pd  # optional
    except ImportError:
        return rows
    return pd.DataFrame(rows)
