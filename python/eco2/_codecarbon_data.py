"""The data side of eco2.codecarbon: CodeCarbon's emissions.csv columns and row (EmissionsData), the location
arguments as an intensity provider, and the CSV row writer. The tracker classes are in codecarbon.py."""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass, fields
from typing import Any, Dict, List, NamedTuple, Optional

from . import _core

# CodeCarbon's emissions.csv columns, in its order (its EmissionsData fields; docs "Output").
COLUMNS = [
    "timestamp", "project_name", "run_id", "experiment_id", "duration", "emissions", "emissions_rate",
    "cpu_power", "gpu_power", "ram_power", "cpu_energy", "gpu_energy", "ram_energy", "energy_consumed",
    "country_name", "country_iso_code", "region", "cloud_provider", "cloud_region", "os", "python_version",
    "codecarbon_version", "cpu_count", "cpu_model", "gpu_count", "gpu_model", "longitude", "latitude",
    "ram_total_size", "tracking_mode", "on_cloud", "pue",
]

# CodeCarbon arguments that have no meaning here: accepted, with a warning that says what eco2 does instead.
_IGNORED = {
    "api_call_interval": "eco2 makes no API calls",
    "api_endpoint": "eco2 makes no API calls",
    "api_key": "eco2 makes no API calls",
    "save_to_api": "eco2 makes no API calls: the records stay in the CSV file",
    "emissions_endpoint": "eco2 makes no API calls",
    "co2_signal_api_token": "eco2 uses its compiled-in zone database, no live API",
    "electricitymaps_api_token": "eco2 uses its compiled-in zone database, no live API",
    "save_to_prometheus": "use `eco2 run` and its Prometheus output instead",
    "prometheus_url": "use `eco2 run` and its Prometheus output instead",
    "save_to_logfire": "not supported",
    "save_to_logger": "not supported: read final_emissions_data instead",
    "logging_logger": "not supported: read final_emissions_data instead",
    "output_handlers": "not supported: eco2 writes the CSV file only",
    "gpu_ids": "eco2 measures every GPU the tracked processes use",
    "logger_preamble": "not used",
    "default_cpu_power": None,  # mapped to eco2's cpu_tdp, see below
    "allow_multiple_runs": "several eco2 trackers may always run at once",
    "experiment_name": "not used (experiment_id names the experiment)",
    "tracking_mode_gpu": "not used",
    "rapl_include_dram": "not used: eco2 reads RAPL dram in machine mode",
    "rapl_prefer_psys": "not used",
    "force_cpu_power": None,
    "force_ram_power": "not supported: eco2 models RAM at 0.375 W/GiB of memory used",
    "force_mode_cpu_load": "not used: eco2 counts CPU time",
    "geo_file_path": "not used",
}


@dataclass
class EmissionsData:
    """CodeCarbon's EmissionsData: one row of emissions.csv. Units as CodeCarbon's: duration s, emissions
    kg CO2eq, emissions_rate kg/s, powers W (means over the row), energies kWh (component energies before PUE,
    energy_consumed after), ram_total_size GB."""

    timestamp: str
    project_name: str
    run_id: str
    experiment_id: str
    duration: float
    emissions: float
    emissions_rate: float
    cpu_power: float
    gpu_power: float
    ram_power: float
    cpu_energy: float
    gpu_energy: float
    ram_energy: float
    energy_consumed: float
    country_name: str
    country_iso_code: str
    region: str
    cloud_provider: str
    cloud_region: str
    os: str
    python_version: str
    codecarbon_version: str
    cpu_count: float
    cpu_model: str
    gpu_count: float
    gpu_model: str
    longitude: Optional[float]
    latitude: Optional[float]
    ram_total_size: float
    tracking_mode: str
    on_cloud: str = "N"
    pue: float = 1.0

    @property
    def values(self) -> "OrderedDict[str, Any]":
        """The fields in emissions.csv's order."""
        return OrderedDict((f.name, getattr(self, f.name)) for f in fields(self))


@dataclass
class _Location:
    provider: Optional[_core.IntensityProvider]
    country_name: str = ""
    country_iso_code: str = ""
    region: str = ""


def _resolve(text: str) -> Dict[str, str]:
    return _core.resolve_zone(text)


def _location(
    country_iso_code: Optional[str],
    region: Optional[str],
    cloud_provider: Optional[str],
    cloud_region: Optional[str],
    force_carbon_intensity: Optional[float],
) -> _Location:
    """Which zone and intensity CodeCarbon's location arguments name. Raises eco2.NotFound (with the closest
    names) for a country, region or cloud region eco2 does not know."""
    match: Optional[Dict[str, str]] = None
    if cloud_provider or cloud_region:
        if not (cloud_provider and cloud_region):
            raise ValueError("give both cloud_provider ('aws', 'gcp', 'azure') and cloud_region ('us-east-1')")
        match = _resolve(f"{cloud_provider.strip().lower()}:{cloud_region.strip()}")
    elif country_iso_code:
        code = country_iso_code.strip()
        country = _resolve(code)
        match = country
        if region and region.strip():
            for text in (region.strip(), f"{country['country']}-{region.strip()}"):
                try:
                    m = _resolve(text)
                except _core.NotFound:
                    continue
                if m["country"].upper() == country["country"].upper():
                    match = m
                    break
            else:
                warnings.warn(
                    f"eco2: region {region!r} of {code} is not in eco2's zone database; the whole country is "
                    f"used (see `eco2 regions {code}` for its zones)",
                    UserWarning,
                    stacklevel=5,
                )
    if force_carbon_intensity is not None:
        value = float(force_carbon_intensity)
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"force_carbon_intensity must be gCO2eq/kWh >= 0, not {force_carbon_intensity!r}")
        label = match["key"] if match else "user-supplied"
        provider = _core.fixed_intensity(value, label, f"force_carbon_intensity={value:g} g/kWh")
    elif match is not None:
        provider = _core.zone_intensity(match["key"])
    else:
        provider = None
    if match is None:
        return _Location(provider)
    sub_national = match["key"] != match["country"]
    return _Location(
        provider,
        country_name=match.get("country_name", ""),
        country_iso_code=match.get("country_alpha3", "") or (country_iso_code or "").upper(),
        region=match["key"] if sub_national else (region or ""),
    )


def _ram_total_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    except (ValueError, OSError, AttributeError):
        return 0.0


class _Totals(NamedTuple):
    duration: float
    cpu_j: float
    gpu_j: float
    ram_j: float
    co2_kg: float

    @staticmethod
    def of(r: _core.Result) -> "_Totals":
        return _Totals(r.duration_s, r.cpu.joules, r.gpu.joules, r.ram.joules, r.co2_kg)



def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)  # full precision; '.' whatever the locale
    return str(value)


def _write_row(path: str, data: EmissionsData, update: bool) -> None:
    """Appends data to the CSV at path (created with CodeCarbon's header). An existing file keeps its own
    header: values go under the columns of the same name (a CodeCarbon file with more columns gets them empty).
    With update, a row of the same run_id is replaced instead."""
    row = {k: _cell(v) for k, v in data.values.items()}
    existing: Optional[List[str]] = None
    if os.path.exists(path) and os.path.getsize(path) > 0:
        with open(path, newline="", encoding="utf-8") as f:
            existing = next(csv.reader(f), None)
    if not existing:
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(COLUMNS)
            w.writerow([row[c] for c in COLUMNS])
        return
    if not set(COLUMNS) & set(existing):
        raise ValueError(f"{path} is not a CodeCarbon emissions file (its header is {existing[:4]}...): "
                         "give another output_file")
    line = [row.get(c, "") for c in existing]
    if update:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        at = existing.index("run_id") if "run_id" in existing else -1
        for i in range(1, len(rows)):
            if at >= 0 and at < len(rows[i]) and rows[i][at] == data.run_id:
                rows[i] = line
                break
        else:
            rows.append(line)
        tmp = path + ".tmp"
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
        os.replace(tmp, path)
        return
    buf = io.StringIO()
    csv.writer(buf).writerow(line)
    with open(path, "rb") as f:  # a file not ending in a newline gets one first
        f.seek(0, os.SEEK_END)
        last = b"\n"
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            last = f.read(1)
    with open(path, "a", newline="", encoding="utf-8") as f:
        if last not in (b"\n", b"\r"):
            f.write("\r\n")
        f.write(buf.getvalue())


