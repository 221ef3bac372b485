"""`eco2 report` and `eco2 card` end to end: records of two experiments of 4 epochs each made by `eco2 run` with
epoch marks, the report opened in a real headless Chromium (Debian's chromium) that may reach no network, its DOM
checked for the charts and for errors, a screenshot kept as an artefact (ECO2_REPORT_ARTEFACTS)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
ARTEFACTS = Path(os.environ.get("ECO2_REPORT_ARTEFACTS", "."))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DEADLINE_S = 60

# Four epochs of CPU work, each closed by `eco2 mark epoch` with a loss and an accuracy.
TRAIN = """
import subprocess, sys, time
scale = float(sys.argv[1])
for e in range(1, 5):
    start = time.process_time()
    x = 0
    while time.process_time() - start < 0.15 * scale:
        x += sum(i * i for i in range(1000))
    subprocess.run(["eco2", "mark", "work", "--items", "1000"], check=True)
    subprocess.run(["eco2", "mark", "epoch", "--param", f"loss={1 / (e * scale):.3f}",
                    "--param", f"accuracy={1 - 0.5 / (e * scale):.3f}"], check=True)
"""


def env(tmp_path):
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["PATH"] = str(Path(ECO2).parent) + os.pathsep + e.get("PATH", "")
    e["HOME"] = str(tmp_path)
    e["ECO2_SYS_ROOT"] = str(FIXTURES / "no_rapl" / "sys")  # the TDP model, whatever the machine
    return e


@pytest.fixture(scope="module")
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


def chromium(tmp_path, *args):
    """Headless Chromium that can reach no network: every host name fails to resolve and the proxy is a closed
    loopback port; bounded by DEADLINE_S."""
    if not CHROMIUM:
        pytest.skip("chromium is not installed (tools/install-deps installs it)")
    cmd = [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--enable-logging=stderr",
           "--v=0", f"--user-data-dir={tmp_path / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=DEADLINE_S)


def console_errors(stderr):
    # Chromium logs page console messages as ...:CONSOLE(line)] "text", source: ... (level in the prefix).
    return [line for line in stderr.splitlines() if "CONSOLE" in line]


def test_report_and_card_of_two_trainings(records, tmp_path):
    r = subprocess.run([ECO2, "report", str(records), "-o", str(tmp_path / "report.html")],
                       env=env(tmp_path), capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "eco2: report " in r.stderr
    html = (tmp_path / "report.html").read_text()
    assert html.count('<section class="run"') == 2
    card = subprocess.run([ECO2, "card", str(records), "--format", "hf"], env=env(tmp_path), capture_output=True,
                          text=True, timeout=60)
    assert card.returncode == 0, card.stderr
    assert re.match(r'co2_eq_emissions:\n  emissions: [0-9.]+\n  source: "eco2 ', card.stdout), card.stdout
    assert 'geographical_location: "FR"' in card.stdout


def test_the_report_holds_no_network_url(records, tmp_path):
    page = tmp_path / "report.html"
    subprocess.run([ECO2, "report", str(records), "-o", str(page)], env=env(tmp_path), check=True, timeout=60)
    html = page.read_text()
    assert not re.search(r"https?://", html, re.I)
    assert not re.search(r"@import|url\(", html, re.I)
    # Every src/href is a fragment of the page itself.
    assert all(v.startswith("#") for v in re.findall(r'\s(?:src|href)\s*=\s*"([^"]*)"', html, re.I))


def test_chromium_renders_the_charts_without_error_or_network(records, tmp_path):
    page = tmp_path / "report.html"
    subprocess.run([ECO2, "report", str(records), "-o", str(page)], env=env(tmp_path), check=True, timeout=60)
    r = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert r.returncode == 0, r.stderr[-2000:]
    dom = r.stdout
    charts = int(re.search(r'data-charts="(\d+)"', dom).group(1))
    assert charts >= 3, dom[:500]
    assert dom.count('<svg class="chart"') == charts
    assert re.search(r'data-errors="0"', dom), re.search(r'data-error-text="[^"]*"', dom)
    assert console_errors(r.stderr) == []
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTEFACTS / "report.png"
    s = chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,1800", "--hide-scrollbars", page.as_uri())
    assert s.returncode == 0 and shot.stat().st_size > 10_000, s.stderr[-2000:]


def test_the_checks_catch_a_page_that_asks_for_the_network(records, tmp_path):
    # The same report with one remote image and a failing script: the DOM must show the errors, so the checks
    # above can fail.
    page = tmp_path / "report.html"
    subprocess.run([ECO2, "report", str(records), "-o", str(page)], env=env(tmp_path), check=True, timeout=60)
    bad = tmp_path / "bad.html"
    bad.write_text(page.read_text().replace(
        "</body>", '<img src="http://example.invalid/x.png"><script>undefined_function();</script></body>'))
    r = chromium(tmp_path, "--dump-dom", bad.as_uri())
    errors = int(re.search(r'data-errors="(\d+)"', r.stdout).group(1))
    assert errors >= 2, r.stdout[:300]
    assert console_errors(r.stderr)
