"""A real π0 checkpoint (pi0_base or a fine-tune, any layout), when PI0_WEIGHTS points at one.

Left out of the default run (marker `weights`): `PI0_WEIGHTS=DIR pytest -m weights`, with
PI0_TOKENIZER (PaliGemma's tokenizer.model), PI0_NORM_STATS and PI0_CONVENTION for what the
folder lacks (without PI0_NORM_STATS, unit statistics over 14 joints are used).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from pi0_core import Policy
from pi0_core.describe import describe
from recordings.stats import NormStats

pytestmark = pytest.mark.weights
WEIGHTS = os.environ.get("PI0_WEIGHTS")


@pytest.mark.skipif(not WEIGHTS, reason="set PI0_WEIGHTS to a π0 checkpoint folder")
def test_real_checkpoint_loads_strictly_and_acts() -> None:
    info = describe(WEIGHTS)
    assert not any("do not match" in problem for problem in info["problems"]), info["problems"]
    assert info["language"]["hidden_size"] == 2048 and info["expert"]["hidden_size"] == 1024
    zeros, ones = np.zeros(14), np.ones(14)
    unit = NormStats(zeros, ones, zeros - 2, ones * 2, zeros, ones, zeros - 2, ones * 2)
    policy = Policy.load(
        WEIGHTS,
        norm_stats=os.environ.get("PI0_NORM_STATS") or (None if info["stats"] else unit),
        tokenizer=os.environ.get("PI0_TOKENIZER"),
        convention=os.environ.get("PI0_CONVENTION") or (None if info["convention"] else "identity"),
    )
    actions = policy.infer(policy.blank_observation())
    assert actions.shape == (50, policy.action_dim) and np.isfinite(actions).all()
