"""The accuracy suite's patterns module sits next to the tests; `slow` marks the 60 s job (its own CTest test)."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: the 60 s job (CTest accuracy_60s, label slow)")
