"""Helpers of the exporter tests: the eco2 binary, free loopback ports, HTTP GETs with a deadline, and
background processes that are always stopped."""
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ECO2 = os.environ.get("ECO2_BIN", "eco2")


def env(tmp_path, **extra):
    """The test's environment: no ECO2_* from outside, the agent socket in the test's directory."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    e["ECO2_AGENT_SOCKET"] = str(tmp_path / "agent.sock")
    e.update({k: str(v) for k, v in extra.items()})
    return e


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, timeout=2.0):
    """(status, body) of a GET, (0, reason) when nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(e)


def wait_for(what, check, deadline_s=20.0, step=0.1):
    """Polls check() until it returns something true; fails the test with `what` at the deadline."""
    end = time.monotonic() + deadline_s
    last = None
    while time.monotonic() < end:
        last = check()
        if last:
            return last
        time.sleep(step)
    pytest.fail(f"{what}: not within {deadline_s} s (last: {last!r})")


class Background:
    """A process started for a test; stop() sends SIGTERM, then SIGKILL after a grace, and returns its status."""

    def __init__(self, args, **kw):
        self.args = args
        self.log = kw.pop("log")
        self.out = open(self.log, "w")
        self.proc = subprocess.Popen(args, stdout=self.out, stderr=subprocess.STDOUT, **kw)

    def text(self):
        if not self.out.closed:
            self.out.flush()
        return open(self.log).read()

    def stop(self, grace=10.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if not self.out.closed:
            self.out.close()
        return self.proc.returncode


@pytest.fixture
def background(tmp_path):
    started = []

    def start(args, name, **kw):
        b = Background(args, log=tmp_path / f"{name}.log", **kw)
        started.append(b)
        return b

    yield start
    for b in started:
        b.stop()
