"""The IPython / Jupyter extension (`%load_ext eco2`) in a kernel-less IPython shell (Debian's python3-ipython):
the %%eco2 cell magic and %eco2_start / %eco2_stop print a readable result whose CPU energy is the cell's own
CPU time under the TDP model (no RAPL in the test environment, conftest.env)."""

import re

import pytest

IPython = pytest.importorskip("IPython", reason="python3-ipython is not installed (tools/install-deps)")


@pytest.fixture
def shell(env):
    from IPython.core.interactiveshell import InteractiveShell

    ip = InteractiveShell.instance()  # no kernel, no terminal: what a notebook kernel runs cells through
    ip.run_line_magic("load_ext", "eco2")
    yield ip
    ip.run_line_magic("unload_ext", "eco2")


BURN = """
import time
_end = time.process_time() + 0.3
_x = 0
while time.process_time() < _end:
    _x += sum(i * i for i in range(1000))
"""


def test_cell_magic_prints_energy_and_co2(shell, capsys):
    shell.run_cell_magic("eco2", "--region FR --cpu-tdp 40", BURN)
    out = capsys.readouterr().out
    assert shell.user_ns["_x"] > 0, "the cell ran in the user's namespace"
    first, second = out.strip().splitlines()[-2:]
    assert first.startswith("eco2: ") and "CO2eq" in first and "FR at" in first
    assert "cpu from tdp-model(40 W, cpu_tdp argument" in second
    # 40 W x 0.3 CPU seconds / 2 online CPUs (fixture) = 6 J, and a little for the shell itself
    joules = float(re.search(r"cpu ([0-9.]+) J", second).group(1))
    assert 6 * 0.8 <= joules <= 6 * 1.6


def test_start_stop_line_magics(shell, capsys):
    shell.run_line_magic("eco2_start", "")
    shell.run_cell(BURN)
    result = shell.run_line_magic("eco2_stop", "")
    out = capsys.readouterr().out
    assert "eco2: measuring" in out
    assert "world average" in out and "--region" in out, "no region given: said, with how to set one"
    assert result.cpu.joules > 0 and result.duration_s > 0.25
    shell.run_line_magic("eco2_stop", "")
    assert "not measuring" in capsys.readouterr().out


def test_bad_option_is_an_error(shell):
    with pytest.raises(ValueError, match="unknown argument"):
        shell.run_cell_magic("eco2", "--regoin FR", "pass")
