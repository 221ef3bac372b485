"""Carbon intensity and electricity price from eco2AI's Tracker arguments.

emission_level (kg/MWh, which is g/kWh), alpha_2_code and region choose the carbon intensity; they are looked up
in eco2's zone database (compiled in, no network). electricity_pricing ({"HH:MM-HH:MM": price}) becomes a
time-of-day tariff applied to each sample interval at local time.
"""

from __future__ import annotations

import re
import warnings
from typing import Mapping, Optional, Tuple

from . import _core


def intensity_provider(
    emission_level: Optional[float] = None,
    alpha_2_code: Optional[str] = None,
    region: Optional[str] = None,
) -> Optional[_core.IntensityProvider]:
    """The intensity eco2AI's arguments ask for; None when they ask for nothing (the world average is used).

    Raises ValueError when region is given without alpha_2_code (as eco2AI does), eco2.NotFound when the code
    names no zone of the database (eco2 never falls back to the world average silently).
    """
    if region is not None and alpha_2_code is None:
        raise ValueError("to set 'region', set 'alpha_2_code' too (the ISO 3166-1 alpha-2 code of the country)")
    if emission_level is not None:
        level = float(emission_level)
        label = alpha_2_code if region is None else f"{alpha_2_code}/{region}"
        return _core.fixed_intensity(
            level, label or "user-supplied", f"emission_level={level:g} kg/MWh (eco2AI parameter)"
        )
    if alpha_2_code is None:
        return None
    zone = alpha_2_code.strip()
    if region is not None and region.strip():
        zone = _zone_of_region(zone, region.strip())
    return _core.zone_intensity(zone)


def _zone_of_region(country: str, region: str) -> str:
    """The zone of a region of a country: its ISO 3166-2 code (US-CA), its name (California) or a zone key; the
    whole country, with a warning, when the database has no zone for it (eco2AI does the same)."""
    country_key = _core.resolve_zone(country)["country"] or country.upper()
    candidates = [region, f"{country}-{region}"]
    for text in candidates:
        try:
            match = _core.resolve_zone(text)
        except _core.NotFound:
            continue
        if match["country"].upper() == country_key.upper():
            return match["key"]
    warnings.warn(
        f"eco2: region {region!r} of {country} is not in the zone database; using the whole country "
        f"(see `eco2 regions {country}` for the zones it has)",
        stacklevel=4,
    )
    return country


def define_carbon_index(
    emission_level: Optional[float] = None,
    alpha_2_code: Optional[str] = None,
    region: Optional[str] = None,
) -> Tuple[float, str]:
    """eco2AI's define_carbon_index: (intensity in kg/MWh = g/kWh, region label). Without arguments: the world
    average (eco2 does not locate the machine through the network)."""
    provider = intensity_provider(emission_level, alpha_2_code, region)
    if provider is None:
        return _core.WORLD_AVERAGE_G_PER_KWH, "World"
    import datetime

    return provider.at(datetime.datetime.now()), provider.region


_BAND = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def pricing_bands(electricity_pricing: Mapping[str, float]) -> str:
    """eco2AI's electricity_pricing dict as eco2 tariff bands ("08:30-19:00=0.25,..."). Checks eco2AI's rules:
    "HH:MM-HH:MM" keys with hours 0..23 and minutes 0..59; the intervals cover the 24 hours once (the tariff
    parser reports gaps and overlaps)."""
    if not isinstance(electricity_pricing, Mapping) or not electricity_pricing:
        raise ValueError("electricity_pricing must be a non-empty dict {'HH:MM-HH:MM': price}")
    bands = []
    for key, price in electricity_pricing.items():
        m = _BAND.match(str(key))
        if not m:
            raise ValueError(f"electricity_pricing: {key!r} is not an interval 'HH:MM-HH:MM'")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or h2 > 23:
            raise ValueError(f"electricity_pricing: {key!r}: hours must be in 0..23")
        if m1 > 59 or m2 > 59:
            raise ValueError(f"electricity_pricing: {key!r}: minutes must be in 0..59")
        value = float(price)
        if not value >= 0:
            raise ValueError(f"electricity_pricing: {key!r}: the price must be a number >= 0")
        bands.append(f"{h1:02}:{m1:02}-{h2:02}:{m2:02}={value!r}")
    return ",".join(bands)


def price_provider(electricity_pricing: Optional[Mapping[str, float]], currency: str) -> Optional[_core.PriceProvider]:
    if electricity_pricing is None:
        return None
    return _core.tariff_price(pricing_bands(electricity_pricing), currency)
