"""eco2AI's saved Tracker defaults (set_params / get_params), kept in the user's configuration directory.

The file is $XDG_CONFIG_HOME/eco2/tracker_defaults.json (~/.config/eco2/ when XDG_CONFIG_HOME is unset or not
absolute), never inside the installed package (eco2AI wrote into its own package directory, which fails for
a system-wide install and is shared by every user).
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Dict

#: Built-in defaults, eco2AI's.
DEFAULTS: Dict[str, Any] = {
    "project_name": "default project name",
    "experiment_description": "default experiment description",
    "file_name": "emission.csv",
    "measure_period": 10,
    "pue": 1,
}


def params_path() -> Path:
    """Where set_params() writes: $XDG_CONFIG_HOME/eco2/tracker_defaults.json."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / "eco2" / "tracker_defaults.json"


def set_params(**params: Any) -> None:
    """Saves Tracker defaults, as eco2AI does: the parameters given, the built-in default for each of
    project_name, experiment_description, file_name, measure_period and pue not given. Later Tracker() calls
    use them for the arguments they leave out. Values must be JSON-serialisable."""
    values = dict(DEFAULTS)
    values.update(params)
    path = params_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written to a temporary file then renamed: a reader (another process) never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tracker_defaults.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(values, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def get_params() -> Dict[str, Any]:
    """The saved Tracker defaults (the built-in ones when nothing was saved). A file that cannot be read gives
    the built-in defaults and a warning."""
    path = params_path()
    values = dict(DEFAULTS)
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except FileNotFoundError:
        return values
    except (OSError, ValueError) as e:
        warnings.warn(f"eco2: cannot read the saved Tracker defaults {path}: {e}; using the built-in ones", stacklevel=2)
        return values
    if isinstance(saved, dict):
        values.update(saved)
    return values


def remember(**params: Any) -> None:
    """What eco2AI's Tracker() does with its arguments: saves them as the new defaults. Failing to write (a
    read-only home) only warns: tracking does not depend on it."""
    try:
        set_params(**params)
    except (OSError, TypeError, ValueError) as e:
        warnings.warn(f"eco2: cannot save the Tracker defaults to {params_path()}: {e}", stacklevel=3)
