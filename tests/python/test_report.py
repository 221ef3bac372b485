"""eco2.report() and eco2.card(): the library's report and card code, on records written by a real Tracker."""
import json
import re

import pytest

import eco2


def _two_trainings(tmp_path):
    out = tmp_path / "runs.csv"
    for experiment, losses in (("small", (0.9, 0.7, 0.6, 0.5)), ("large", (0.8, 0.5, 0.3, 0.2))):
        t = eco2.Tracker(project_name="p", experiment_description=experiment, file_name=str(out), alpha_2_code="FR",
                         measure_period=0.1)
        t.start_training()
        for loss in losses:
            sum(i * i for i in range(20000))
            t.new_epoch({"loss": loss})
        t.stop_training()
    return out


def test_report_writes_one_page_with_the_charts(tmp_path):
    records = _two_trainings(tmp_path)
    page = tmp_path / "report.html"
    assert eco2.report(records, output=page) == str(page)
    html = page.read_text()
    assert html.count('<svg class="chart"') >= 3
    assert html.count('<section class="run"') == 2
    assert not re.search(r"https?://", html)
    assert eco2.report([records], output="-").startswith("<!DOCTYPE html>")


def test_card_formats_and_errors(tmp_path):
    records = _two_trainings(tmp_path)
    hf = eco2.card(records, "hf", experiment="large")
    assert hf.startswith("co2_eq_emissions:\n  emissions: ")
    assert 'geographical_location: "FR"' in hf
    j = json.loads(eco2.card(records, "json"))
    assert len(j["rows"]) >= 4 and j["total"]["experiment_description"] == "large"
    assert "M  embodied emissions   2000.000 gCO2e" in eco2.card(records, "sci", embodied_kg=2.0)
    with pytest.raises(eco2.InvalidArgument, match="format=yaml: unknown card format"):
        eco2.card(records, "yaml")
    with pytest.raises(eco2.InvalidArgument, match="no such run"):
        eco2.report(records, runs=["ffff"], output="-")
