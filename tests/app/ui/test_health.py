"""Status-bar grading: amber and red beyond their thresholds, in the right direction."""

import pytest

from app.ui.health import Health, HealthLimits, Limit


def test_higher_is_worse():
    limit = Limit(warn=100.0, bad=500.0)
    assert [limit.grade(v) for v in (50.0, 100.0, 101.0, 501.0)] == [
        Health.OK,
        Health.OK,
        Health.WARN,
        Health.BAD,
    ]


def test_rates_are_bad_when_low():
    loop = HealthLimits().loop_hz
    assert loop.grade(50.0) == Health.OK
    assert loop.grade(45.0) == Health.WARN
    assert loop.grade(30.0) == Health.BAD


def test_thresholds_in_the_wrong_order_are_refused():
    with pytest.raises(ValueError, match="beyond"):
        Limit(warn=10.0, bad=5.0)
