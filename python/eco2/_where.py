"""eco2.where(): the location chain of `eco2 where` and `eco2 run`, from Python.

The same library function as the CLI and the C API: the region given here (a zone key, ISO country or
subdivision code, zone name or cloud region), else IP geolocation when turned on, else the system time zone,
else the world average with a warning; and the value precedence intensity > intensity_series > the zone's value
> the world average. The result gives a Tracker its intensity and price: eco2.Tracker(carbon=eco2.where("FR")).
"""

from __future__ import annotations

import os
from typing import Optional, Union

from . import _core

def where(
    zone: Optional[str] = None,
    *,
    cloud: Optional[str] = None,
    year: Optional[int] = None,
    marginal: bool = False,
    intensity: Optional[float] = None,
    intensity_series: Optional[Union[str, os.PathLike]] = None,
    intensity_table: Optional[Union[str, os.PathLike]] = None,
    tariff: Optional[str] = None,
    currency: str = "",
    geolocate: bool = False,
    geolocate_url: Optional[str] = None,
    geolocate_timeout: float = 2.0,
) -> _core.CarbonSetup:
    """The zone, carbon intensity and price eco2 would use here, and every step of the chain (setup.steps:
    (name, status, detail)). cloud: "aws", "gcp" or "azure" for a zone that is a cloud region name; year and
    marginal choose the zone's value; tariff: "07:00-23:00=0.25,23:00-07:00=0.12" (or one price) in currency;
    geolocate asks an IP geolocation service (off by default: it reveals the public address). Raises
    eco2.NotFound for an unknown zone, eco2.InvalidArgument for a bad tariff, table or series."""
    if not geolocate_timeout > 0:
        raise ValueError(f"geolocate_timeout must be a positive number of seconds, not {geolocate_timeout!r}")
    return _core.carbon_setup(
        region=zone,
        region_origin="zone argument",
        cloud=cloud or "",
        year=year,
        marginal=bool(marginal),
        intensity=None if intensity is None else float(intensity),
        intensity_series=None if intensity_series is None else os.fspath(intensity_series),
        intensity_table=None if intensity_table is None else os.fspath(intensity_table),
        tariff=tariff,
        currency=currency,
        geolocate=bool(geolocate),
        geolocate_url=geolocate_url or "",
        geolocate_timeout=float(geolocate_timeout),
    )

