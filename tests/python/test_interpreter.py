"""The module says which interpreter it was built for when imported by another one (a pyenv, conda or venv
python3 first on PATH), and how to build for that one."""

import shutil
import sys
from pathlib import Path

import eco2
from conftest import run_python


def test_build_info_names_the_interpreter_that_built_the_module():
    from eco2 import _build

    assert Path(_build.PYTHON_EXECUTABLE).exists()
    assert _build.PYTHON_VERSION == f"{sys.version_info[0]}.{sys.version_info[1]}"


def test_an_interpreter_without_a_matching_compiled_module_is_told_which_one_to_use(tmp_path):
    # The package as another interpreter sees it: the pure-Python part, and no _core for its ABI.
    package = Path(eco2.__file__).parent
    shutil.copytree(package, tmp_path / "eco2", ignore=shutil.ignore_patterns("_core*.so"))
    r = run_python("import eco2", tmp_path, env_extra={"PYTHONPATH": str(tmp_path)})
    assert r.returncode != 0
    last = r.stderr.strip().splitlines()[-1]
    assert "built for" in last and "-DPython3_EXECUTABLE=" in last, last
