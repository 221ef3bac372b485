"""The README's set-up commands are what CI runs."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup_commands():
    text = (ROOT / "README.md").read_text()
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_starts_with_exactly_two_setup_commands():
    text = (ROOT / "README.md").read_text()
    assert text.index("```sh") < text.index("## ")  # before any section
    cmds = setup_commands()
    assert len(cmds) == 2
    assert "eco2 run" in cmds[0] and "ctest" in cmds[1]


def test_ci_runs_the_second_command_and_nothing_less():
    ci = (ROOT / ".ci" / "run").read_text()
    assert setup_commands()[1] in ci.splitlines()
