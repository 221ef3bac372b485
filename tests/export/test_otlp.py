"""`eco2 run --otlp URL` and `eco2 agent --otlp URL` against an OTLP/HTTP receiver on loopback (a small
http.server in this process) that checks the JSON payload's shape: resourceMetrics / scopeMetrics / metrics,
hw.energy as a monotonic cumulative sum, hw.power as a gauge, hw.type / hw.id attributes."""
import http.server
import json
import subprocess
import threading

import pytest

from conftest import ECO2, env, wait_for


class Receiver(http.server.BaseHTTPRequestHandler):
    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.requests.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", Receiver.requests
    server.shutdown()
    server.server_close()


def attrs(items):
    return {a["key"]: a["value"]["stringValue"] for a in items}


def check_shape(body):
    """The payload's resources, each checked against the OTLP JSON shape; returns them."""
    payload = json.loads(body)
    resources = payload["resourceMetrics"]
    assert resources
    for rm in resources:
        ra = attrs(rm["resource"]["attributes"])
        assert ra["service.name"] == "eco2" and ra["host.name"]
        (sm,) = rm["scopeMetrics"]
        assert sm["scope"]["name"] == "eco2"
        metrics = {m["name"]: m for m in sm["metrics"]}
        energy = metrics["hw.energy"]
        assert energy["unit"] == "J"
        assert energy["sum"]["isMonotonic"] is True
        assert energy["sum"]["aggregationTemporality"] == 2  # cumulative
        for p in energy["sum"]["dataPoints"]:
            a = attrs(p["attributes"])
            assert a["hw.type"] in ("cpu", "gpu", "memory") and a["hw.id"]
            assert p["asDouble"] >= 0
            assert int(p["timeUnixNano"]) >= int(p["startTimeUnixNano"]) > 1_600_000_000 * 10**9
        if "hw.power" in metrics:
            for p in metrics["hw.power"]["gauge"]["dataPoints"]:
                assert p["asDouble"] >= 0 and attrs(p["attributes"])["hw.id"]
        assert metrics["eco2.co2.emissions"]["sum"]["isMonotonic"] is True
        assert metrics["eco2.carbon.intensity"]["gauge"]["dataPoints"][0]["asDouble"] >= 0
    return resources


def test_run_otlp_posts_the_runs_metrics(receiver, tmp_path):
    url, requests = receiver
    r = subprocess.run([ECO2, "run", "--period", "0.1", "--checkpoint", "0.3", "--otlp", url, "--",
                        "sleep", "1"], capture_output=True, text=True, timeout=60, env=env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "OTLP" not in r.stderr  # no failed export
    assert len(requests) >= 2  # checkpoints and the end
    run_id = open(tmp_path / "emission.csv").read().splitlines()[1].split(",")[0]
    for path, ctype, body in requests:
        assert path == "/v1/metrics"
        assert ctype == "application/json"
        (rm,) = check_shape(body)
        assert attrs(rm["resource"]["attributes"])["eco2.run_id"] == run_id
    last = json.loads(requests[-1][2])["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]
    assert sum(p["asDouble"] for p in last["sum"]["dataPoints"]) > 0


def test_agent_otlp_posts_the_nodes_metrics(receiver, background, tmp_path):
    url, requests = receiver
    agent = background([ECO2, "agent", "--listen", "127.0.0.1:0", "--period", "0.2", "--otlp", url,
                        "--otlp-interval", "0.5"], "agent", env=env(tmp_path))
    wait_for("two OTLP posts from the agent", lambda: len(requests) >= 2)
    assert agent.stop() == 0
    for path, ctype, body in requests:
        assert path == "/v1/metrics" and ctype == "application/json"
        resources = check_shape(body)
        assert any(attrs(rm["resource"]["attributes"])["eco2.scope"] == "machine" for rm in resources)


def test_an_otlp_collector_that_fails_is_a_warning(tmp_path):
    r = subprocess.run([ECO2, "run", "--otlp", "http://127.0.0.1:1", "--", "true"], capture_output=True,
                       text=True, timeout=60, env=env(tmp_path), cwd=tmp_path)
    assert r.returncode == 0
    assert "eco2: warning: OTLP export to http://127.0.0.1:1/v1/metrics failed" in r.stderr
