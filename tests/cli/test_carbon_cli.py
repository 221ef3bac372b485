"""End-to-end tests of where the electricity comes from: eco2 regions / where / estimate, the location chain
(time zone, environment, config files, geolocation against a local server), intensity series, tariffs and
config-file precedence in eco2 run.

Run by CTest (label cli) with ECO2_BIN and ECO2_FIXTURES set, like test_cli.py.
"""
import csv
import http.server
import json
import os
import re
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
HERE = Path(__file__).parent
SYSTEM_TZDATA = Path("/usr/share/zoneinfo/zone.tab").exists()


def env(home, **extra):
    """No ECO2_* variable of the caller, a HOME of our own (no user config file), TZ only when given."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_") and k not in ("TZ", "TZDIR", "XDG_CONFIG_HOME")}
    e["HOME"] = str(home)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def eco2(args, cwd, **kw):
    return subprocess.run([ECO2, *args], cwd=cwd, capture_output=True, text=True, timeout=60, **kw)


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def regions_json(tmp_path, *args):
    r = eco2(["regions", *args, "--format", "json"], tmp_path, env=env(tmp_path, TZ="UTC"))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def latest_average(zone):
    values = [v for v in zone["values"] if v["kind"] == "average"]
    dated = [v for v in values if v["year"] is not None]
    return (max(dated, key=lambda v: v["year"]) if dated else values[-1])["g_co2_per_kwh"]


# --------------------------------------------------------------------------------------------- regions
def test_regions_lists_at_least_350_zones_with_years(tmp_path):
    zones = regions_json(tmp_path)["zones"]
    assert len(zones) >= 350
    with_years = [z for z in zones if z["years"]]
    assert len(with_years) >= 350
    assert all(y >= 2021 for z in with_years for y in z["years"])
    table = eco2(["regions"], tmp_path, env=env(tmp_path)).stdout
    assert re.search(r"^FR\s+FR\s+[\d.]+\s+20\d\d\s+2021-20\d\d\s", table, re.M), table[:500]
    assert re.search(r"^(\d+) zones", table.splitlines()[-1]) and int(table.splitlines()[-1].split()[0]) == len(zones)


def test_regions_fr_FRA_250_and_France_resolve_to_the_same_zone(tmp_path):
    answers = [regions_json(tmp_path, q) for q in ("fr", "FRA", "250", "France")]
    assert {a["resolved"]["zone"] for a in answers} == {"FR"}
    assert len({json.dumps(a["zones"]) for a in answers}) == 1
    text = eco2(["regions", "FRA"], tmp_path, env=env(tmp_path)).stdout
    assert text.startswith("FRA -> FR (France), ISO 3166-1 alpha-3 code FRA")


def test_regions_typo_fails_with_exit_2_and_suggests_france(tmp_path):
    r = eco2(["regions", "Frnace"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2
    assert "did you mean France (FR)" in r.stderr and r.stdout == ""


def test_regions_of_a_country_lists_its_zones_and_csv_has_every_year(tmp_path):
    us = regions_json(tmp_path, "United States")["zones"]
    assert len(us) > 40 and all(z["country"] == "US" for z in us)
    r = eco2(["regions", "NO", "--format", "csv", "--year", "2023"], tmp_path, env=env(tmp_path))
    got = list(csv.DictReader(r.stdout.splitlines()))
    assert {g["zone"] for g in got} >= {"NO", "NO-NO1", "NO-NO5"}
    assert {g["year"] for g in got} == {"2023"}


# --------------------------------------------------------------------------------------------- location in eco2 run
@pytest.mark.parametrize("tzdir", ["fixture", "system"])
def test_run_in_oslo_records_a_norwegian_zone_named_by_the_time_zone(tmp_path, tzdir):
    extra = {"TZ": "Europe/Oslo"}
    if tzdir == "fixture":
        extra["TZDIR"] = FIXTURES / "tzdata"
    elif not SYSTEM_TZDATA:
        pytest.skip("no tzdata in /usr/share/zoneinfo")
    r = eco2(["run", "--", "true"], tmp_path, env=env(tmp_path, **extra))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert row["region/country"].startswith("NO")
    assert "time zone Europe/Oslo" in row["location_source"]
    expected = latest_average(regions_json(tmp_path, row["region/country"])["zones"][0])
    assert float(row["intensity(gCO2/kWh)"]) == pytest.approx(expected)
    assert "warning: no region" not in r.stderr


def test_run_in_sydney_records_the_state_zone(tmp_path):
    r = eco2(["run", "-q", "--", "true"], tmp_path, env=env(tmp_path, TZ="Australia/Sydney", TZDIR=FIXTURES / "tzdata"))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert row["region/country"] == "AU-NSW"
    assert "New South Wales" in row["location_source"]


def test_run_with_utc_and_nothing_else_warns_and_uses_the_world_average(tmp_path):
    r = eco2(["run", "--", "true"], tmp_path, env=env(tmp_path, TZ="UTC"))
    assert r.returncode == 0
    (row,) = rows(tmp_path / "emission.csv")
    assert row["region/country"] == "World"
    assert float(row["intensity(gCO2/kWh)"]) == 436.5
    assert "world average" in row["location_source"]
    warning = [line for line in r.stderr.splitlines() if line.startswith("eco2: warning: no region known")]
    assert warning and "--region" in warning[0] and "ECO2_REGION" in warning[0] and "eco2.toml" in warning[0]


def test_region_precedence_flag_environment_local_config_user_config(tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "eco2").mkdir(parents=True)
    (xdg / "eco2" / "config.toml").write_text('region = "SE"\n')
    base = env(tmp_path, TZ="Europe/Oslo", TZDIR=FIXTURES / "tzdata", XDG_CONFIG_HOME=xdg)

    def region(args=(), **extra):
        for f in tmp_path.glob("emission.*"):
            f.unlink() if f.is_file() else None
        r = eco2(["run", "-q", "--no-series", *args, "--", "true"], tmp_path, env={**base, **extra})
        assert r.returncode == 0, r.stderr
        (row,) = rows(tmp_path / "emission.csv")
        return row["region/country"], row["location_source"]

    assert region()[0] == "SE" and "config.toml:1" in region()[1]
    (tmp_path / "eco2.toml").write_text('# project settings\nregion = "DK-DK1"\n')
    assert region() == ("DK-DK1", region()[1]) and "eco2.toml:2" in region()[1]
    assert region(ECO2_REGION="DE")[0] == "DE"
    assert region(["--region", "France"], ECO2_REGION="DE")[0] == "FR"


def test_a_bad_region_stops_before_the_command_starts(tmp_path):
    marker = tmp_path / "ran"
    r = eco2(["run", "--region", "Frnace", "--", "touch", str(marker)], tmp_path, env=env(tmp_path))
    assert r.returncode == 2 and "France" in r.stderr and "flag --region" in r.stderr
    assert not marker.exists()


# --------------------------------------------------------------------------------------------- where
def test_where_shows_each_step_of_the_chain(tmp_path):
    r = eco2(["where", "--format", "json"], tmp_path, env=env(tmp_path, TZ="Europe/Oslo", TZDIR=FIXTURES / "tzdata"))
    assert r.returncode == 0, r.stderr
    w = json.loads(r.stdout)
    steps = [(s["step"], s["status"]) for s in w["steps"]]
    assert steps == [("--region", "-"), ("ECO2_REGION", "-"), ("./eco2.toml", "-"), ("user config", "-"),
                     ("geolocation", "off"), ("time zone", "used"), ("world average", "skipped")]
    assert w["zone"] == "NO" and "Europe/Oslo" in w["location_source"]

    r = eco2(["where"], tmp_path, env=env(tmp_path, TZ="Europe/Oslo", ECO2_REGION="250"))
    assert re.search(r"ECO2_REGION\s+used\s+250 -> FR \(France\)", r.stdout), r.stdout
    assert re.search(r"time zone\s+skipped", r.stdout), r.stdout


class _GeoHandler(http.server.BaseHTTPRequestHandler):
    answer = b'{"country_code": "DE", "region_code": "BY", "region": "Bavaria"}'

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.answer)))
        self.end_headers()
        self.wfile.write(self.answer)

    def log_message(self, *args):
        pass


@contextmanager
def local_server(handler):
    """An HTTP server on 127.0.0.1 only, on a free port; shut down on exit, and in any case after 30 s."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    guard = threading.Timer(30, server.shutdown)
    guard.daemon = True
    guard.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/json"
    finally:
        guard.cancel()
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_geolocation_against_a_local_server_and_off_by_default(tmp_path):
    with local_server(_GeoHandler) as url:
        base = env(tmp_path, TZ="UTC")
        r = eco2(["where", "--geolocate", "--geolocate-url", url, "--format", "json"], tmp_path, env=base)
        assert r.returncode == 0, r.stderr
        w = json.loads(r.stdout)
        assert w["zone"] == "DE"
        assert any(s["step"] == "geolocation" and s["status"] == "used" and url in s["detail"] for s in w["steps"])
        off = json.loads(eco2(["where", "--format", "json"], tmp_path, env={**base, "ECO2_GEOLOCATE_URL": url}).stdout)
        assert off["zone"] is None  # not asked without --geolocate
    # The server is gone: geolocation fails quickly and the chain goes on offline.
    t0 = time.monotonic()
    r = eco2(["where", "--geolocate", "--geolocate-url", url, "--geolocate-timeout", "0.5", "--format", "json"],
             tmp_path, env=env(tmp_path, TZ="Europe/Oslo", TZDIR=FIXTURES / "tzdata"))
    assert time.monotonic() - t0 < 10
    w = json.loads(r.stdout)
    assert w["zone"] == "NO"
    assert any(s["step"] == "geolocation" and s["status"] == "no zone" for s in w["steps"])


# --------------------------------------------------------------------------------------------- estimate
def test_estimate_energy_times_intensity(tmp_path):
    r = eco2(["estimate", "--energy", "1.37kWh", "--intensity", "240"], tmp_path, env=env(tmp_path, TZ="UTC"))
    assert r.returncode == 0, r.stderr
    assert "CO2e    329 g\n" in r.stdout and "e-0" not in r.stdout and "e+0" not in r.stdout
    assert "approximate" in r.stdout and "km by car" in r.stdout and "tree-months" in r.stdout
    j = json.loads(eco2(["estimate", "--energy", "1.37kWh", "--intensity", "240", "--format", "json"], tmp_path,
                        env=env(tmp_path)).stdout)
    assert j["co2_kg"] == pytest.approx(1.37 * 240 / 1000)
    assert set(j["equivalents"]) == {"car_km", "flight_pkm", "smartphone_charges", "tree_months"}


def test_estimate_through_region_uses_the_database_value(tmp_path):
    for region in ("RU", "FR"):
        value = latest_average(regions_json(tmp_path, region, )["zones"][0])
        j = json.loads(eco2(["estimate", "--energy", "1.37kWh", "--region", region, "--format", "json"], tmp_path,
                            env=env(tmp_path)).stdout)
        assert j["g_co2_per_kwh"] == pytest.approx(value)
        assert j["co2_kg"] == pytest.approx(1.37 * value / 1000)
    # A zone whose value is 240 (a user table) gives the 329 g of the --intensity form.
    (tmp_path / "t.csv").write_text("zone,gCO2/kWh\nFR,240\n")
    r = eco2(["estimate", "--energy", "1.37kWh", "--region", "FR", "--intensity-table", "t.csv"], tmp_path, env=env(tmp_path))
    assert "329 g" in r.stdout, r.stdout + r.stderr


def test_estimate_gpu_form_is_watts_count_hours_usage_pue(tmp_path):
    args = ["estimate", "--gpu", "NVIDIA A100-SXM4-80GB", "--gpus", "8", "--hours", "10", "--usage", "0.5", "--pue", "1.2",
            "--intensity", "100", "--format", "json"]
    j = json.loads(eco2(args, tmp_path, env=env(tmp_path)).stdout)
    watts = float(re.search(r"([\d.]+) W", j["hardware"]["gpu"]).group(1))
    assert watts > 0
    assert j["kwh"] == pytest.approx(watts * 8 * 10 * 0.5 * 1.2 / 1000)
    assert j["co2_kg"] == pytest.approx(j["kwh"] * 100 / 1000)
    j = json.loads(eco2(["estimate", "--gpu-watts", "300", "--gpus", "2", "--hours", "3", "--usage", "0.7", "--pue", "1.5",
                         "--cpu-cores", "4", "--cpu-watts-per-core", "10", "--memory-gb", "64", "--intensity", "100",
                         "--format", "json"], tmp_path, env=env(tmp_path)).stdout)
    assert j["kwh"] == pytest.approx((300 * 2 * 0.7 + 4 * 10 * 0.7 + 64 * 0.375) * 3 * 1.5 / 1000)


def test_estimate_errors(tmp_path):
    r = eco2(["estimate", "--gpu", "A10O", "--hours", "1"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2 and "unknown accelerator" in r.stderr and "did you mean" in r.stderr
    r = eco2(["estimate", "--hours", "1"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2 and "nothing to estimate" in r.stderr


def test_estimate_cost_with_a_tariff(tmp_path):
    j = json.loads(eco2(["estimate", "--energy", "10kWh", "--intensity", "100", "--tariff", "07:00-23:00=0.3,23:00-07:00=0.15",
                         "--currency", "EUR", "--format", "json"], tmp_path, env=env(tmp_path)).stdout)
    assert j["cost"]["currency"] == "EUR"
    assert j["cost"]["amount"] == pytest.approx(10 * (16 * 0.3 + 8 * 0.15) / 24)
    j = json.loads(eco2(["estimate", "--gpu-watts", "1000", "--hours", "2", "--start", "23:00", "--intensity", "0",
                         "--tariff", "07:00-23:00=0.3,23:00-07:00=0.15", "--format", "json"], tmp_path, env=env(tmp_path)).stdout)
    assert j["cost"]["amount"] == pytest.approx(2 * 0.15)


# --------------------------------------------------------------------------------------------- series, tariff, config in eco2 run
def iso(t):
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_run_with_an_intensity_series_applies_it_per_interval(tmp_path):
    now = datetime.now(timezone.utc)
    (tmp_path / "grid.csv").write_text(f"timestamp,gCO2/kWh\n{iso(now - timedelta(hours=1))},100\n"
                                       f"{iso(now + timedelta(seconds=1.5))},900\n")
    job = "import time\nt=time.time()\nwhile time.time()-t<3: pass\n"
    r = eco2(["run", "--period", "0.05", "--intensity-series", "grid.csv", "--", "python3", "-c", job], tmp_path,
             env=env(tmp_path, TZ="UTC", ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys"))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert "intensity series grid.csv (2 points" in row["location_source"]
    assert row["region/country"] == "user series"
    series = rows(tmp_path / "emission.series" / (row["id"] + ".csv"))
    assert {float(s["intensity_g_per_kwh"]) for s in series} == {100.0, 900.0}
    mean = float(row["intensity(gCO2/kWh)"])
    assert 100 < mean < 900
    co2 = float(row["CO2_emissions(kg)"])
    kwh = float(row["power_consumption(kWh)"])
    assert co2 == pytest.approx(kwh * mean / 1000, rel=1e-3)  # the mean shown is the one applied
    assert "warning" not in r.stderr


def test_run_before_the_series_starts_says_so(tmp_path):
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    (tmp_path / "grid.csv").write_text(f"{iso(later)},50\n")
    r = eco2(["run", "--intensity-series", "grid.csv", "--", "true"], tmp_path, env=env(tmp_path))
    assert r.returncode == 0
    assert "started before the first point of the intensity series" in r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert float(row["intensity(gCO2/kWh)"]) == 50


def test_bad_series_line_is_an_error_with_file_and_line(tmp_path):
    (tmp_path / "grid.csv").write_text("2024-01-01T00:00Z,100\n2024-01-01T01:00Z,n/a\n")
    r = eco2(["run", "--intensity-series", "grid.csv", "--", "true"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2 and "grid.csv:2:" in r.stderr


def test_run_with_a_tariff_fills_the_cost_column(tmp_path):
    r = eco2(["run", "--intensity", "100", "--pue", "1.5", "--tariff", "0.5", "--currency", "EUR", "--", "sleep", "0.3"],
             tmp_path, env=env(tmp_path, ECO2_SYS_ROOT=FIXTURES / "no_rapl" / "sys"))
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert float(row["cost"]) == pytest.approx(float(row["power_consumption(kWh)"]) * 0.5, rel=1e-4, abs=1e-12)
    assert "EUR" in r.stderr


def test_a_tariff_with_a_gap_is_refused_before_the_command_starts(tmp_path):
    marker = tmp_path / "ran"
    (tmp_path / "eco2.toml").write_text('[pricing]\ncurrency = "EUR"\n\n[pricing.tariff]\n"07:00-23:00" = 0.25\n"23:30-07:00" = 0.12\n')
    r = eco2(["run", "--", "touch", str(marker)], tmp_path, env=env(tmp_path))
    assert r.returncode == 2
    assert "eco2.toml:5" in r.stderr and "23:00-23:30 is not covered" in r.stderr
    assert not marker.exists()


def test_config_precedence_in_records(tmp_path):
    xdg = tmp_path / "xdg"
    (xdg / "eco2").mkdir(parents=True)
    (xdg / "eco2" / "config.toml").write_text('project = "from-user"\nexperiment = "user-exp"\npue = 1.1\nintensity = 10\n')
    (tmp_path / "eco2.toml").write_text('project = "from-local"\npue = 1.2\n')
    base = env(tmp_path, XDG_CONFIG_HOME=xdg)
    r = eco2(["run", "-q", "--", "true"], tmp_path, env=base)
    assert r.returncode == 0, r.stderr
    (row,) = rows(tmp_path / "emission.csv")
    assert (row["project_name"], row["experiment_description"], row["pue"]) == ("from-local", "user-exp", "1.2")
    assert float(row["intensity(gCO2/kWh)"]) == 10 and "config.toml:4" in row["location_source"]
    (tmp_path / "emission.csv").unlink()
    r = eco2(["run", "-q", "--project", "from-flag", "--", "true"], tmp_path, env={**base, "ECO2_PROJECT": "from-env", "ECO2_PUE": "1.3"})
    (row,) = rows(tmp_path / "emission.csv")
    assert (row["project_name"], row["pue"]) == ("from-flag", "1.3")


def test_a_bad_config_key_is_an_error_naming_file_and_line(tmp_path):
    (tmp_path / "eco2.toml").write_text('project = "x"\nregoin = "FR"\n')
    r = eco2(["run", "--", "true"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2
    assert "eco2.toml:2: unknown key \"regoin\" (did you mean \"region\"?)" in r.stderr
    (tmp_path / "eco2.toml").write_text('pue = "high"\n')
    r = eco2(["where"], tmp_path, env=env(tmp_path))
    assert r.returncode == 2 and "eco2.toml:1: pue must be a number" in r.stderr


def test_eco2_never_writes_config_files(tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    eco2(["where"], tmp_path, env=env(tmp_path, TZ="UTC"))
    eco2(["regions", "FR"], tmp_path, env=env(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert not (tmp_path / ".config").exists()


# --------------------------------------------------------------------------------------------- golden help texts
@pytest.mark.parametrize("name", ["regions", "where", "estimate"])
def test_help_texts_of_the_new_commands_match_golden_files(tmp_path, name):
    r = eco2([name, "--help"], tmp_path, env=env(tmp_path))
    assert r.returncode == 0
    golden = HERE / f"{name}_help.expected"
    if os.environ.get("ECO2_UPDATE_GOLDEN"):
        golden.write_text(r.stdout)
    assert r.stdout == golden.read_text()
