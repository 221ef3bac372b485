"""eco2AI's summary(): totals per project of a records file, then a line for all the projects."""

from __future__ import annotations

import csv
import math
import os
from typing import Any, Dict, List, Union

COLUMNS = [
    "project_name",
    "total duration(s)",
    "total power_consumption(kWh)",
    "total CO2_emissions(kg)",
    "total electricity cost",
]
_SUMMED = ["duration(s)", "power_consumption(kWh)", "CO2_emissions(kg)", "cost"]
ALL_PROJECTS = "All the projects"


class FileDoesNotExistsError(FileNotFoundError):
    """eco2AI's name for a records file that does not exist."""


class NotNeededExtensionError(ValueError):
    """eco2AI's name for a file name without the .csv extension."""


def _number(text: str) -> float:
    # An empty cost means no tariff (eco2AI wrote 0 then); anything else must be a number.
    if text is None or text.strip() == "":
        return 0.0
    value = float(text)
    return value if math.isfinite(value) else 0.0


def summary_rows(filename: Union[str, os.PathLike]) -> List[Dict[str, Any]]:
    """The summary as plain rows (dicts with eco2AI's column names), projects sorted by name."""
    path = os.fspath(filename)
    if not os.path.exists(path):
        raise FileDoesNotExistsError(f"File '{path}' does not exist")
    if not path.endswith(".csv"):
        raise NotNeededExtensionError("File need to be with extension '.csv'")
    totals: Dict[str, List[float]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ["project_name"] + _SUMMED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path} is not a records file: no column {', '.join(missing)}")
        for row in reader:
            sums = totals.setdefault(row["project_name"], [0.0] * len(_SUMMED))
            for i, column in enumerate(_SUMMED):
                sums[i] += _number(row[column])
    if not totals:
        raise ValueError("CSV file is empty, cannot summarize.")
    rows = []
    everything = [0.0] * len(_SUMMED)
    for project in sorted(totals):
        sums = totals[project]
        rows.append(dict(zip(COLUMNS, [project] + sums)))
        everything = [a + b for a, b in zip(everything, sums)]
    rows.append(dict(zip(COLUMNS, [ALL_PROJECTS] + everything)))
    return rows


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


def summary(filename: Union[str, os.PathLike], write_to_file: Union[bool, str, os.PathLike] = False) -> Any:
    """Sums duration, energy, CO2 and cost of a records file for each project and for all of them.

    Returns a pandas DataFrame with eco2AI's columns (project_name, total duration(s), total
    power_consumption(kWh), total CO2_emissions(kg), total electricity cost) when pandas can be imported, else
    the same table as a SummaryTable (a list of dicts with to_string() and to_csv()). write_to_file: a file name to write the table to (CSV, with the row
    index as eco2AI writes it).
    """
    rows = summary_rows(filename)
    try:
        import pandas as pd  # optional
    except ImportError:
        pd = None
    if pd is not None:
        table = pd.DataFrame(rows, columns=COLUMNS)
        if write_to_file:
            table.to_csv(os.fspath(write_to_file))
        return table
    table = SummaryTable(rows)
    if write_to_file:
        table.to_csv(write_to_file)
    return table
