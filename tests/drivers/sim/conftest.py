"""Shared fixtures of the simulator tests: offscreen EGL rendering, simulators closed after use."""

from __future__ import annotations

import pytest


@pytest.fixture
def make_sim():
    """Build AlohaSims that are closed (renderers freed) at the end of the test."""
    from drivers.sim.world import AlohaSim

    sims = []

    def build(task: str, seed: int = 0) -> AlohaSim:
        sims.append(AlohaSim(task, seed))
        return sims[-1]

    yield build
    for sim in sims:
        sim.close()
