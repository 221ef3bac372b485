"""eco2.where(): the location chain of `eco2 where`/`eco2 run` from Python (the library's carbon set-up), and a
Tracker configured with it."""

import warnings

import pytest

import eco2
from conftest import FIXTURES, read_rows


def steps(setup):
    return {name: status for name, status, _ in setup.steps}


def test_a_zone_gives_its_value_and_every_step(env):
    s = eco2.where("France")
    assert s.zone == "FR" and s.intensity.region == "FR"
    assert 0 < s.intensity.at(__import__("datetime").datetime.now()) < 200
    assert "zone argument France" in s.intensity.source
    assert s.value_from.startswith("zone FR: ")
    assert steps(s) == {"zone argument": "used", "geolocation": "off", "time zone": "skipped",
                        "world average": "skipped"}
    assert s.warnings == [] and s.price is None


def test_the_same_chain_as_the_cli_time_zone_then_world_average(env, monkeypatch):
    monkeypatch.setenv("TZDIR", str(FIXTURES / "tzdata"))
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    s = eco2.where()
    assert steps(s)["time zone"] == "used" and "time zone America/Los_Angeles" in s.intensity.source
    monkeypatch.setenv("TZ", "UTC")
    s = eco2.where()
    assert s.intensity.region == "World"
    assert s.intensity.at(__import__("datetime").datetime.now()) == eco2.WORLD_AVERAGE_G_PER_KWH
    assert s.warnings == [("no region known: world average 436.5 gCO2/kWh used", "region")]
    assert s.warning_lines == ["no region known: world average 436.5 gCO2/kWh used; set zone=ZONE"]


def test_cloud_year_marginal_intensity_and_tariff(env):
    assert eco2.where("europe-west4", cloud="gcp").zone == eco2.where("gcp:europe-west4").zone
    assert eco2.where("FR", year=2021, marginal=True).value_from.startswith("zone FR: ")
    s = eco2.where("DE", intensity=42)
    assert s.intensity.region == "DE" and s.value_from == "intensity 42 gCO2/kWh (intensity argument)"
    s = eco2.where("NO", tariff="0.3", currency="NOK")
    assert s.price is not None and s.price.currency == "NOK"


def test_mistakes_raise_naming_the_argument_and_no_cli_option(env, tmp_path):
    with pytest.raises(eco2.NotFound) as e:
        eco2.where("Atlantis")
    assert str(e.value).startswith("zone argument: ") and "--" not in str(e.value)
    with pytest.raises(eco2.InvalidArgument, match="^tariff argument: "):
        eco2.where("FR", tariff="25:00-01:00=1")
    with pytest.raises(eco2.Error):
        eco2.where("FR", intensity_series=tmp_path / "none.csv")


def test_a_tracker_uses_the_set_up_series_and_tariff(env, tmp_path):
    series = tmp_path / "grid.csv"
    series.write_text("2000-01-01T00:00Z,77\n")
    setup = eco2.where("NO", intensity_series=series, tariff="0.5", currency="NOK")
    with eco2.Tracker(project_name="where", file_name="where.csv", carbon=setup, write_series=False,
                      save_params=False) as t:
        sum(i * i for i in range(200000))
    (row,) = read_rows(tmp_path / "where.csv")
    assert row["region/country"] == "NO"
    assert float(row["intensity(gCO2/kWh)"]) == pytest.approx(77.0)
    assert t.result.currency == "NOK" and t.result.cost is not None
    with pytest.raises(ValueError, match="already chooses"):
        eco2.Tracker(file_name="x.csv", carbon=setup, zone="FR", save_params=False)


def test_a_tracker_warns_in_python_terms_when_the_chain_falls_back(env, monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        eco2.Tracker(file_name="w.csv", carbon=eco2.where(), save_params=False)
    texts = [str(w.message) for w in caught]
    assert any("world average" in m and "set zone=ZONE" in m and "--region" not in m for m in texts), texts
