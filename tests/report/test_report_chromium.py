"""The HTML report in a real headless Chromium (Debian's chromium) that may reach no network: its DOM checked for
the charts and for errors, a screenshot kept as an artefact (ECO2_REPORT_ARTEFACTS). Records: conftest.py."""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from report_e2e import eco2

ARTEFACTS = Path(os.environ.get("ECO2_REPORT_ARTEFACTS", "."))
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DEADLINE_S = 60


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


def _report(records, tmp_path):
    page = tmp_path / "report.html"
    r = eco2(["report", str(records), "-o", str(page)], tmp_path)
    assert r.returncode == 0, r.stderr
    return page


def test_chromium_renders_the_charts_without_error_or_network(records, tmp_path):
    page = _report(records, tmp_path)
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
    page = _report(records, tmp_path)
    bad = tmp_path / "bad.html"
    bad.write_text(page.read_text().replace(
        "</body>", '<img src="http://example.invalid/x.png"><script>undefined_function();</script></body>'))
    r = chromium(tmp_path, "--dump-dom", bad.as_uri())
    errors = int(re.search(r'data-errors="(\d+)"', r.stdout).group(1))
    assert errors >= 2, r.stdout[:300]
    assert console_errors(r.stderr)
