"""The IPython / Jupyter extension: `%load_ext eco2`, then

    %%eco2 [--region FR] [--intensity G] [--scope process|machine] [--pue P] [--cpu-tdp W]
    <cell>                   measures the cell and prints its energy and CO2 under it

    %eco2_start [same options]   starts measuring (the cells that follow, until %eco2_stop)
    %eco2_stop                   stops and prints the result; the Result is also the magic's value

Nothing is written to disk unless --output FILE is given (then eco2's records CSV gets one row per
measurement). Without --region or --intensity the world average is used, and the printed line says so.
"""

from __future__ import annotations

import argparse
import math
import shlex
from typing import Any, List, Optional

from . import _core


def _parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, add_help=False, exit_on_error=False)
    p.add_argument("--region", help="electricity zone, country code or cloud region (FR, US-CAL-CISO, us-east-1)")
    p.add_argument("--intensity", type=float, help="carbon intensity, gCO2/kWh")
    p.add_argument("--scope", choices=("process", "machine"), default="process")
    p.add_argument("--pue", type=float, default=1.0)
    p.add_argument("--cpu-tdp", type=float, dest="cpu_tdp")
    p.add_argument("--period", type=float, default=1.0)
    p.add_argument("--output", default="", help="eco2 records CSV to append a row to (default: none)")
    p.add_argument("--project", default="jupyter")
    return p


def _parse(prog: str, line: str) -> argparse.Namespace:
    try:
        args, rest = _parser(prog).parse_known_args(shlex.split(line))
    except (argparse.ArgumentError, ValueError) as e:
        raise ValueError(f"{prog}: {e}") from None
    if rest:
        raise ValueError(f"{prog}: unknown argument {rest[0]!r}; options: --region, --intensity, --scope, --pue, "
                         "--cpu-tdp, --period, --output, --project")
    return args


def _world(args: argparse.Namespace) -> bool:
    return args.intensity is None and not args.region


def _tracker(args: argparse.Namespace) -> Any:
    if args.intensity is not None:
        provider = _core.fixed_intensity(args.intensity, args.region or "user-supplied", "%eco2 --intensity")
    elif args.region:
        provider = _core.zone_intensity(args.region)
    else:
        provider = None
    return _core.Tracker(
        project_name=args.project,
        experiment_description="notebook",
        output=args.output,
        write_series=False,
        period=args.period,
        checkpoint=max(10.0, args.period),
        scope=args.scope,
        pue=args.pue,
        intensity=provider,
        cpu_tdp=args.cpu_tdp,
    )


def _digits(value: float) -> str:
    """Three significant digits, never in e-notation (999.6 -> "1000", 0.0012345 -> "0.00123")."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    rounded = float(f"{value:.3g}")
    decimals = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:.{decimals}f}"


def _scaled(value: float, units: Any) -> str:
    """value in the first unit of units ((factor, name) pairs, largest first), shown in the largest unit it
    reaches, so that a person reads "6.1 J", "2.4 kWh", "52.5 mg"."""
    shown = abs(float(f"{value:.3g}"))  # 999.6 g is shown as 1.00 kg
    for factor, name in units:
        if shown >= factor:
            return f"{_digits(value / factor)} {name}"
    factor, name = units[-1]
    return f"{_digits(value / factor)} {name}"


_ENERGY = ((3.6e9, "MWh"), (3.6e6, "kWh"), (3.6e3, "Wh"), (1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ"))
_MASS_G = ((1e6, "t"), (1e3, "kg"), (1.0, "g"), (1e-3, "mg"), (1e-6, "µg"))
_SECONDS = ((3600.0, "h"), (60.0, "min"), (1.0, "s"), (1e-3, "ms"))


def _si(value: float, unit: str) -> str:
    """Readable energy ("J") or mass of CO2 ("g")."""
    return _scaled(value, _ENERGY if unit == "J" else _MASS_G)


def format_result(r: Any, world_average: bool = False) -> str:
    """Two readable lines: energy and CO2 first, then where they come from."""
    joules = r.it_joules * r.pue
    if world_average:
        where = (f"world average {r.intensity_g_per_kwh:g} gCO2/kWh: pass --region FR (or your zone, or "
                 "--intensity G)")
    else:
        where = f"{r.region} at {_digits(r.intensity_g_per_kwh)} gCO2/kWh"
    parts = [f"cpu {_si(r.cpu.joules, 'J')}", f"ram {_si(r.ram.joules, 'J')}"]
    if r.gpu.joules > 0 or r.gpu_name:
        parts.insert(1, f"gpu {_si(r.gpu.joules, 'J')}")
    return (
        f"eco2: {_scaled(r.duration_s, _SECONDS)}, {_si(joules, 'J')}, {_si(r.co2_kg * 1000, 'g')} "
        f"CO2eq ({where})\n"
        f"      {', '.join(parts)}; cpu from {r.cpu.source}"
    )


class _Magics:
    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.tracker: Optional[Any] = None
        self.world_average = False

    def cell(self, line: str, cell: str) -> Any:
        args = _parse("%%eco2", line)
        t = _tracker(args)
        t.start()
        try:
            self.shell.run_cell(cell, store_history=False)
        finally:
            result = t.stop()
        print(format_result(result, _world(args)))
        return None

    def start(self, line: str) -> None:
        if self.tracker is not None and self.tracker.running:
            print("eco2: already measuring since %eco2_start; %eco2_stop first")
            return
        args = _parse("%eco2_start", line)
        self.tracker = _tracker(args)
        self.world_average = _world(args)
        self.tracker.start()
        print("eco2: measuring; %eco2_stop prints the energy and CO2")

    def stop(self, line: str) -> Any:
        if self.tracker is None or not self.tracker.running:
            print("eco2: not measuring: %eco2_start first")
            return None
        result = self.tracker.stop()
        self.tracker = None
        print(format_result(result, self.world_average))
        return result


def load_ipython_extension(ipython: Any) -> None:
    magics = _Magics(ipython)
    ipython.register_magic_function(magics.cell, magic_kind="cell", magic_name="eco2")
    ipython.register_magic_function(magics.start, magic_kind="line", magic_name="eco2_start")
    ipython.register_magic_function(magics.stop, magic_kind="line", magic_name="eco2_stop")
    ipython._eco2_magics = magics  # kept alive with the shell; a reload replaces it


def unload_ipython_extension(ipython: Any) -> None:
    magics = getattr(ipython, "_eco2_magics", None)
    if magics is not None and magics.tracker is not None and magics.tracker.running:
        magics.tracker.stop()
