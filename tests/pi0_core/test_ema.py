"""The weights' moving average: warm-up from scratch, none from a checkpoint."""

from __future__ import annotations

import pytest
import torch

from pi0_core.train.ema import EMA


def _after_one_update(warmup: bool) -> float:
    model = torch.nn.Linear(1, 1, bias=False)
    with torch.no_grad():
        model.weight.fill_(0.0)
    ema = EMA(model, 0.99, warmup=warmup)
    with torch.no_grad():
        model.weight.fill_(1.0)
    ema.update(model, step=0)
    return float(ema.shadow["weight"])


def test_from_scratch_the_average_follows_the_first_weights() -> None:
    assert _after_one_update(warmup=True) == pytest.approx(0.9)  # decay (1 + 0) / (10 + 0)


def test_from_a_checkpoint_the_average_keeps_its_weights_at_the_full_decay() -> None:
    assert _after_one_update(warmup=False) == pytest.approx(0.01)
