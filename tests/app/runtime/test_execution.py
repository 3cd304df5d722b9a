"""ChunkExecution: when each mode asks for a chunk, what it runs meanwhile, how chunks join."""

import numpy as np
import pytest

from app.runtime.execution import ChunkExecution, ExecutionConfig


def chunk(value: float, length: int = 10) -> np.ndarray:
    return np.full((length, 14), value, np.float32) + np.arange(length, dtype=np.float32)[:, None]


def started(mode: str, horizon: int = 4) -> ChunkExecution:
    execution = ChunkExecution(ExecutionConfig(mode, execution_horizon=horizon))
    request = execution.request(0)
    execution.deliver(chunk(0.0), request, 0)
    return execution


def test_next_chunk_is_asked_for_after_the_execution_horizon_and_once() -> None:
    execution = started("naive", horizon=4)
    assert not execution.needs_chunk(3)
    assert execution.needs_chunk(4)
    execution.request(4)
    assert not execution.needs_chunk(5)  # one request in flight at a time


def test_a_long_measured_delay_brings_the_request_forward_except_in_sync() -> None:
    for mode, first_request in (("naive", 2), ("sync", 4)):
        execution = ChunkExecution(ExecutionConfig(mode, execution_horizon=4))
        execution.deliver(chunk(0.0), execution.request(0), 7)  # measured: 7 of 10 ticks
        ticks = [tick for tick in range(7, 17) if execution.needs_chunk(tick)]
        assert ticks[0] == 7 + first_request  # naive: 10 - 7 - 1 rows executed


@pytest.mark.parametrize("mode", ["naive", "blend", "rtc"])
def test_a_chunk_skips_only_the_ticks_the_robot_was_driven_not_those_it_held(mode) -> None:
    execution = ChunkExecution(ExecutionConfig(mode, execution_horizon=4))
    assert execution.deliver(chunk(0.0), execution.request(0), 7) == 0  # it held: from row 0
    assert execution.action(7)[0] == 0.0
    request = execution.request(15)  # chunk 1 drives ticks 7..16, then runs out
    assert execution.deliver(chunk(100.0), request, 20) == 2  # driven at 15 and 16 only
    assert execution.action(20)[0] == 102.0


def test_sync_holds_the_horizons_last_action_then_starts_the_next_chunk_from_its_first() -> None:
    execution = started("sync", horizon=4)
    request = execution.request(4)
    assert [execution.action(tick)[0] for tick in range(2, 7)] == [2, 3, 3, 3, 3]
    execution.deliver(chunk(100.0), request, 7)
    assert execution.action(7)[0] == 100.0  # row 0: the robot waited for it
    assert execution.action(11)[0] == 103.0  # held again after 4 ticks
    assert not execution.needs_chunk(10) and execution.needs_chunk(11)


def test_naive_skips_what_ran_while_the_chunk_was_computed() -> None:
    execution = started("naive", horizon=4)
    request = execution.request(4)
    assert execution.action(6)[0] == 6.0  # the old chunk runs on meanwhile
    assert execution.deliver(chunk(100.0), request, 7) == 3
    assert execution.action(7)[0] == 103.0


def test_rtc_requests_carry_the_actions_ahead_and_the_largest_recent_delay() -> None:
    execution = ChunkExecution(ExecutionConfig("rtc", execution_horizon=2, delay_window=2))
    assert execution.request(0).prefix is None  # nothing to inpaint onto yet
    for obs_tick, arrival in [(0, 5), (5, 7), (9, 10)]:  # measured delays 5, 2, 1
        request = execution.request(obs_tick) if obs_tick else execution.pending
        execution.deliver(chunk(float(obs_tick)), request, arrival)
    assert execution.delay_estimate() == 2  # max of the last two: the 5 has left the window
    request = execution.request(12)
    assert np.array_equal(request.prefix, execution.ahead(12))
    assert request.prefix[0, 0] == 9.0 + 3  # the current chunk's row for tick 12
    assert request.delay == 2


def test_blend_cross_fades_and_naive_does_not() -> None:
    for mode, first in (("blend", 4.0 + (100.0 - 4.0) / 7), ("naive", 100.0)):
        execution = started(mode, horizon=4)
        execution.deliver(chunk(100.0), execution.request(4), 4)  # overlap of 6 rows
        assert execution.action(4)[0] == pytest.approx(first, abs=1e-4)


def test_clear_drops_the_schedule_and_the_request_but_keeps_the_delays() -> None:
    execution = started("rtc")
    execution.deliver(chunk(1.0), execution.request(4), 9)
    execution.request(13)
    execution.clear()
    assert execution.schedule.empty and execution.pending is None
    assert execution.needs_chunk(14) and execution.delay_estimate() == 5


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown execution mode"):
        ExecutionConfig("smooth")
    with pytest.raises(ValueError, match="execution_horizon"):
        ExecutionConfig("rtc", execution_horizon=0)
