"""The records of the report's end-to-end tests: two experiments of 4 epochs each, made by `eco2 run` with epoch
marks (report_e2e.py)."""
import subprocess
import sys

import pytest

from report_e2e import ECO2, TRAIN, env


@pytest.fixture(scope="session")
def records(tmp_path_factory):
    d = tmp_path_factory.mktemp("report")
    (d / "train.py").write_text(TRAIN)
    for experiment, scale in (("small", "1"), ("large", "2")):
        r = subprocess.run([ECO2, "run", "--project", "vision", "--experiment", experiment, "--region", "FR",
                            "--period", "0.05", "--output", str(d / "runs.csv"), "--",
                            sys.executable, str(d / "train.py"), scale],
                           cwd=d, env=env(d), capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
    return d / "runs.csv"
