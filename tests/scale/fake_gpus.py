"""Two fake GPUs that cannot list their processes, and their own energy counter (tests/fakes/fake_nvml.c)."""
import ctypes

import pytest
import os
import time
from pathlib import Path

FAKE_NVML = os.environ.get("ECO2_FAKE_NVML", "")
FIXTURES = Path(os.environ.get("ECO2_FIXTURES", Path(__file__).parent.parent / "fixtures"))
IDLE_MW = (100_000, 200_000)  # the two GPUs draw 100 W and 200 W all along


def clean_env(**extra):
    skip = ("ECO2_", "RANK", "LOCAL_RANK", "WORLD_SIZE", "GROUP_RANK", "SLURM_", "OMPI_", "PMI_", "TORCHELASTIC_",
            "CUDA_VISIBLE_DEVICES", "MASTER_")
    e = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    e.update({k: str(v) for k, v in extra.items()})
    return e


class FakeCounter:
    """The fake driver's own total-energy counter of each GPU (mJ), read as NVML's users read it."""

    def __init__(self, gpus_dir):
        if os.environ.get("ECO2_SANITIZED", "0").upper() in ("1", "ON", "TRUE"):
            # The sanitized build's fake library needs the ASan runtime first in the process: Python cannot load
            # it (it aborts silently). The unsanitized suite checks these counters.
            pytest.skip("the fake NVML is built with AddressSanitizer here and cannot be loaded into Python")
        os.environ["FAKE_NVML_DIR"] = str(gpus_dir)  # the fake reads its scenario on each call
        self.lib = ctypes.CDLL(FAKE_NVML)
        assert self.lib.nvmlInit_v2() == 0
        self.handles = []
        for i in range(2):
            h = ctypes.c_void_p()
            assert self.lib.nvmlDeviceGetHandleByIndex_v2(i, ctypes.byref(h)) == 0
            self.handles.append(h)

    def joules(self):
        total = 0
        for h in self.handles:
            mj = ctypes.c_ulonglong()
            assert self.lib.nvmlDeviceGetTotalEnergyConsumption(h, ctypes.byref(mj)) == 0
            total += mj.value
        return total / 1000.0


def make_gpus(tmp_path):
    gpus = tmp_path / "gpus"
    (gpus).mkdir()
    (gpus / "count").write_text("2\n")
    origin = time.monotonic()
    for i, mw in enumerate(IDLE_MW):
        g = gpus / f"gpu{i}"
        g.mkdir()
        (g / "energy_mj").write_text("1000000\n")
        (g / "idle_mw").write_text(f"{mw}\n")
        (g / "timeline").write_text("")  # constant power: idle_mw from the origin
        (g / "timeline_origin").write_text(repr(origin))
        (g / "pids_unsupported").write_text("")
    return gpus
