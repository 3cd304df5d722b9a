"""The learning-rate schedule and EMA are sized to the run's length."""

from __future__ import annotations

import pytest

from pi0_core.train.config import TrainConfig
from pi0_core.train.schedule import ema_decay_for, learning_rate, warmup_for

PEAK, FLOOR = 1e-4, 0.1


def _rates(steps: int) -> list[float]:
    warmup = warmup_for(steps)
    return [learning_rate(s, PEAK, warmup, steps, FLOOR) for s in range(steps)]


def test_short_run_warms_up_over_a_small_share() -> None:
    assert warmup_for(300) == 15
    rates = _rates(300)
    assert rates[14] == pytest.approx(PEAK)
    assert rates[0] == pytest.approx(PEAK / 15)


def test_long_run_warm_up_is_capped() -> None:
    assert warmup_for(20_000) == 500
    assert warmup_for(5) == 1


@pytest.mark.parametrize("steps", [10, 300, 20_000])
def test_the_last_step_is_at_the_floor(steps: int) -> None:
    assert _rates(steps)[-1] == pytest.approx(PEAK * FLOOR)


def test_rate_falls_after_the_warm_up() -> None:
    rates = _rates(300)
    assert rates[15:] == sorted(rates[15:], reverse=True)
    assert rates[150] < 0.7 * PEAK


def test_ema_horizon_is_a_tenth_of_the_run() -> None:
    assert ema_decay_for(300) == pytest.approx(1 - 1 / 30)
    assert ema_decay_for(100_000) == pytest.approx(0.999)
    assert ema_decay_for(20) == pytest.approx(0.9)


def test_config_sizes_warm_up_and_ema_unless_given() -> None:
    sized = TrainConfig(data=("d",), out="o", preset="tiny", steps=300)
    given = TrainConfig(
        data=("d",), out="o", preset="tiny", steps=300, warmup_steps=40, ema_decay=0.99
    )
    assert (sized.warmup, sized.ema) == (15, pytest.approx(1 - 1 / 30))
    assert (given.warmup, given.ema) == (40, 0.99)


def test_warm_up_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="--warmup-steps must be at least 1"):
        TrainConfig(data=("d",), out="o", preset="tiny", warmup_steps=0)
