"""Library messages name settings, and the Python module names them as its keyword arguments, never as the
CLI's flags: eco2.card(embodied_kg=-1) says embodied_kg=-1, an unwritable records file names file_name."""
import pytest

import eco2

from test_report import _two_trainings


def test_report_and_card_messages_name_the_keywords(tmp_path):
    records = _two_trainings(tmp_path)
    with pytest.raises(eco2.InvalidArgument, match="embodied_kg=-1 is negative") as e:
        eco2.card(records, "sci", embodied_kg=-1)
    assert "--" not in str(e.value)
    with pytest.raises(eco2.InvalidArgument, match="^the run argument and the experiment argument both given: choose one$"):
        eco2.card(records, run="ffff", experiment="small")
    with pytest.raises(eco2.InvalidArgument, match="runs=ffff: no such run") as e:
        eco2.report(records, runs=["ffff"], output="-")
    assert "--runs" not in str(e.value)


def test_tracker_messages_name_the_keywords(env, tmp_path):
    with pytest.raises(eco2.InvalidArgument, match="give its power instead with cpu_tdp=W") as e:
        eco2.Tracker(file_name="tdp.csv", cpu_name="EPYC 9999X", save_params=False)
    assert "--cpu-tdp" not in str(e.value)
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    with pytest.raises(eco2.IoError) as e:  # when the records file is opened
        eco2.Tracker(file_name=str(folder), intensity=100, save_params=False).start()
    assert "the file_name argument" in str(e.value) and "--output" not in str(e.value), str(e.value)


def test_the_probe_fix_names_the_keywords(env):
    cpu = [r for r in eco2.probe_sensors() if r.backend == "cpu-model"][0]
    assert "cpu_tdp=W" in cpu.fix and "cpu_name=NAME" in cpu.fix and "--" not in cpu.fix, cpu.fix
