"""eco2's Prometheus exposition on real engines: `eco2 agent` and `eco2 run --listen` checked by promtool,
scraped by a real Prometheus, and `eco2 run --push` received by a real Pushgateway. Everything on loopback,
every wait bounded. CTest label: prometheus."""
import json
import re
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from conftest import ECO2, env, free_port, get, wait_for

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PUSHGATEWAY = shutil.which("prometheus-pushgateway") or "/usr/bin/prometheus-pushgateway"


def need(path):
    if not shutil.which(path):
        pytest.skip(f"{path} is not installed (Debian: prometheus, prometheus-pushgateway)")


def start_agent(background, tmp_path, *extra, name="agent"):
    agent = background([ECO2, "agent", "--listen", "127.0.0.1:0", "--period", "0.2", *extra], name,
                       env=env(tmp_path))
    line = wait_for("the agent's start line", lambda: re.search(r"serving http://127\.0\.0\.1:(\d+)/metrics",
                                                                  agent.text()))
    return agent, f"http://127.0.0.1:{line.group(1)}"


def promtool_check(text):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, f"promtool check metrics: {r.stdout}{r.stderr}\n--- exposition:\n{text}"


def samples(text, name):
    """{labels-text: value} of one metric's samples."""
    out = {}
    for m in re.finditer(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.M):
        out[m.group(1) or ""] = float(m.group(2))
    return out


def test_agent_exposes_the_node_and_stops_cleanly_on_sigterm(background, tmp_path):
    need(PROMTOOL)
    agent, base = start_agent(background, tmp_path)
    status, body = wait_for("a node energy sample",
                            lambda: (lambda r: r if "scope=\"machine\"" in r[1] else None)(get(base + "/metrics")))
    assert status == 200
    energy = samples(body, "eco2_energy_joules_total")
    assert energy and all('scope="machine"' in k for k in energy)
    assert all(v >= 0 for v in energy.values())
    assert "# TYPE eco2_energy_joules_total counter" in body
    promtool_check(body)
    # The counters grow.
    time.sleep(0.6)
    later = samples(get(base + "/metrics")[1], "eco2_energy_joules_total")
    assert sum(later.values()) >= sum(energy.values())
    assert get(base + "/nothing")[0] == 404
    assert (tmp_path / "agent.sock").exists()
    t0 = time.monotonic()
    assert agent.stop() == 0, agent.text()
    assert time.monotonic() - t0 < 5
    assert not (tmp_path / "agent.sock").exists()
    assert "eco2 agent: stopped" in agent.text()


def test_agent_listens_on_loopback_by_default_and_rejects_a_bad_address(tmp_path):
    r = subprocess.run([ECO2, "agent", "--listen", "9464"], capture_output=True, text=True, timeout=30,
                       env=env(tmp_path))
    assert r.returncode == 2
    assert "HOST:PORT" in r.stderr
    r = subprocess.run([ECO2, "agent", "--help"], capture_output=True, text=True, timeout=30, env=env(tmp_path))
    assert "127.0.0.1:9464" in r.stdout


def test_a_run_registers_with_the_agent_and_its_exposition_passes_promtool(background, tmp_path):
    need(PROMTOOL)
    agent, base = start_agent(background, tmp_path)
    run = background([ECO2, "run", "-q", "--period", "0.1", "--project", 'pro"ject', "--", "sleep", "3"], "run",
                     env=env(tmp_path), cwd=tmp_path)
    _, body = wait_for("the run's info at the agent",
                       lambda: (lambda r: r if "eco2_run_info{" in r[1] else None)(get(base + "/metrics")))
    info = samples(body, "eco2_run_info")
    (labels,) = info
    assert 'project="pro\\"ject"' in labels
    run_id = re.search(r'run_id="([^"]+)"', labels).group(1)
    assert any(f'run_id="{run_id}"' in k and 'scope="process"' in k for k in samples(body, "eco2_energy_joules_total"))
    promtool_check(body)
    assert run.proc.wait(timeout=30) == 0
    # The run's final figures stay at the agent after it ended, equal to its record.
    _, body = get(base + "/metrics")
    row = open(tmp_path / "emission.csv").read().splitlines()
    assert run_id in row[1]
    assert f'run_id="{run_id}"' in body


def test_run_listen_exposes_one_run_while_it_runs(background, tmp_path):
    need(PROMTOOL)
    port = free_port()
    run = background([ECO2, "run", "-q", "--period", "0.1", "--listen", f"127.0.0.1:{port}", "--", "sleep", "3"],
                     "run", env=env(tmp_path), cwd=tmp_path)
    _, body = wait_for("the run's exposition", lambda: (lambda r: r if r[0] == 200 and "eco2_run_info{" in r[1]
                                                        else None)(get(f"http://127.0.0.1:{port}/metrics")))
    promtool_check(body)
    assert len(samples(body, "eco2_run_info")) == 1
    assert all('scope="process"' in k for k in samples(body, "eco2_energy_joules_total"))
    assert run.proc.wait(timeout=30) == 0
    assert get(f"http://127.0.0.1:{port}/metrics")[0] == 0  # gone with the run


def test_a_real_prometheus_scrapes_the_agent(background, tmp_path):
    need(PROMETHEUS)
    agent, base = start_agent(background, tmp_path)
    target = base.removeprefix("http://")
    config = tmp_path / "prometheus.yml"
    config.write_text(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: eco2
    static_configs:
      - targets: ['{target}']
""")
    port = free_port()
    background([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}"], "prometheus", env=env(tmp_path))
    query = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": "eco2_energy_joules_total"})

    def answered():
        status, body = get(query)
        if status != 200:
            return None
        result = json.loads(body)["data"]["result"]
        return result or None

    result = wait_for("Prometheus holding eco2_energy_joules_total", answered, deadline_s=40, step=0.5)
    assert all(r["metric"]["scope"] == "machine" and r["metric"]["job"] == "eco2" for r in result)
    assert all(float(r["value"][1]) >= 0 for r in result)
    components = {r["metric"]["component"] for r in result}
    assert components & {"cpu", "ram"}


def test_a_real_pushgateway_receives_a_run_and_push_delete_removes_it(background, tmp_path):
    need(PUSHGATEWAY)
    port = free_port()
    gateway = f"http://127.0.0.1:{port}"
    background([PUSHGATEWAY, f"--web.listen-address=127.0.0.1:{port}"], "pushgateway", env=env(tmp_path))
    wait_for("the Pushgateway", lambda: get(gateway + "/-/ready")[0] == 200)
    r = subprocess.run([ECO2, "run", "--period", "0.1", "--checkpoint", "0.5", "--push", gateway, "--",
                        "sleep", "1"], capture_output=True, text=True, timeout=60, env=env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Pushgateway" not in r.stderr  # no failed push
    run_id = open(tmp_path / "emission.csv").read().splitlines()[1].split(",")[0]
    _, body = get(gateway + "/metrics")
    energy = {k: v for k, v in samples(body, "eco2_energy_joules_total").items() if run_id in k}
    assert energy, body
    assert all('job="eco2"' in k and "instance=" in k for k in energy)
    assert any(k for k in samples(body, "push_time_seconds") if 'job="eco2"' in k)
    # --push-delete: the group is pushed during the run and removed at its end.
    r = subprocess.run([ECO2, "run", "--period", "0.1", "--checkpoint", "0.3", "--push", gateway,
                        "--push-delete", "--output", "second.csv", "--", "sleep", "1"],
                       capture_output=True, text=True, timeout=60, env=env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Pushgateway" not in r.stderr  # neither a push nor the delete failed
    _, body = get(gateway + "/metrics")
    assert "eco2_energy_joules_total" not in body, body


def test_a_pushgateway_that_is_not_there_is_a_warning_not_a_failure(tmp_path):
    port = free_port()
    t0 = time.monotonic()
    r = subprocess.run([ECO2, "run", "--push", f"http://127.0.0.1:{port}", "--", "sh", "-c", "exit 3"],
                       capture_output=True, text=True, timeout=60, env=env(tmp_path), cwd=tmp_path)
    assert r.returncode == 3
    assert "eco2: warning: Pushgateway push to" in r.stderr
    assert time.monotonic() - t0 < 15
    assert (tmp_path / "emission.csv").exists()
