"""Markers of the scale suite: tests on real engines (torchrun, SLURM) run with their own CTest labels."""


def pytest_configure(config):
    config.addinivalue_line("markers", "torchrun: torchrun on loopback (CTest label torchrun)")
    config.addinivalue_line("markers", "slurm: a one-node SLURM on localhost (CTest label slurm)")
