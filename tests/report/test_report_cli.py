"""`eco2 report` and `eco2 card` end to end on records of two experiments of 4 epochs each (conftest.py)."""
import json
import os
import re
from pathlib import Path

import pytest

from report_e2e import eco2

HERE = Path(__file__).parent


def test_report_and_card_of_two_trainings(records, tmp_path):
    r = eco2(["report", str(records), "-o", str(tmp_path / "report.html")], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "eco2: report " in r.stderr
    html = (tmp_path / "report.html").read_text()
    assert html.count('<section class="run"') == 2
    card = eco2(["card", str(records), "--format", "hf"], tmp_path)
    assert card.returncode == 0, card.stderr
    assert re.match(r'co2_eq_emissions:\n  emissions: [0-9.]+\n  source: "eco2 ', card.stdout), card.stdout
    assert 'geographical_location: "FR"' in card.stdout


def test_the_report_holds_no_network_url(records, tmp_path):
    page = tmp_path / "report.html"
    assert eco2(["report", str(records), "-o", str(page)], tmp_path).returncode == 0
    html = page.read_text()
    assert not re.search(r"https?://", html, re.I)
    assert not re.search(r"@import|url\(", html, re.I)
    # Every src/href is a fragment of the page itself.
    assert all(v.startswith("#") for v in re.findall(r'\s(?:src|href)\s*=\s*"([^"]*)"', html, re.I))




def test_card_formats_on_the_recorded_runs(records, tmp_path):
    sci = eco2(["card", str(records), "--experiment", "small", "--format", "sci", "--embodied-kg", "0.5"], tmp_path)
    assert sci.returncode == 0, sci.stderr
    assert "SCI = (E x I + M) / R" in sci.stdout
    assert "M  embodied emissions   500.000 gCO2e  (--embodied-kg)" in sci.stdout
    assert re.search(r"R  functional unit      4000 items", sci.stdout), sci.stdout  # 4 x 1000 items
    j = json.loads(eco2(["card", str(records), "--format", "json"], tmp_path).stdout)
    assert j["total"]["experiment_description"] == "large"
    assert [r["epoch_params"].get("epoch") for r in j["rows"]][:4] == [1, 2, 3, 4]
    # The hf block's grams are the records' kilograms of the run, summed over its rows.
    rows = [r for r in j["rows"]]
    assert j["hf"]["emissions"] == pytest.approx(sum(r["co2_kg"] for r in rows) * 1e3, rel=1e-9)


def test_bad_input_is_named_with_the_fix(records, tmp_path):
    r = eco2(["report", str(tmp_path / "none.csv")], tmp_path)
    assert r.returncode == 2 and r.stderr.startswith("eco2: error: "), r.stderr
    r = eco2(["report", str(records), "--runs", "ffffffff", "-o", "-"], tmp_path)
    assert r.returncode == 2 and "no such run" in r.stderr and r.stdout == ""
    r = eco2(["card", str(records), "--run", "x", "--experiment", "small"], tmp_path)
    assert r.returncode == 2 and "choose one" in r.stderr
    r = eco2(["card", str(records), "--format", "yaml"], tmp_path)
    assert r.returncode == 2 and "yaml" in r.stderr


@pytest.mark.parametrize("name", ["report", "card"])
def test_help_texts_match_golden_files(tmp_path, name):
    r = eco2([name, "--help"], tmp_path)
    assert r.returncode == 0
    golden = HERE / "golden" / f"{name}_help.expected"
    if os.environ.get("ECO2_UPDATE_GOLDEN"):
        golden.write_text(r.stdout)
    assert r.stdout == golden.read_text()
