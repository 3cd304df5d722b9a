import time

import numpy as np
import pytest

from app.runtime.events import EventLog
from app.runtime.policy_runner import PolicyRunner, RunnerConfig
from tests.app.runtime.fakes import FakePolicy, wait_until

IMAGES = {"cam_high": np.zeros((8, 8, 3), np.uint8)}


def runner_with(policy, errors=None, **config) -> PolicyRunner:
    errors = [] if errors is None else errors
    runner = PolicyRunner(policy, EventLog(), errors.append, RunnerConfig(**config))
    runner.start()
    runner.engage(True)
    return runner


def drive(runner: PolicyRunner, ticks: range) -> list:
    """Play the control loop's part for some ticks, waiting for a chunk when none is there."""
    actions = []
    for tick in ticks:
        runner.observe(tick, np.full(14, 0.1 * tick, np.float32), IMAGES)
        actions.append(runner.action_for(tick))
    return actions


def test_first_chunk_arrives_and_is_aligned_to_its_observation() -> None:
    policy = FakePolicy(chunk=20)
    runner = runner_with(policy)
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: runner.status().chunks == 1, what="first chunk")
        action = runner.action_for(1)  # tick 0 was served before the chunk came
        observed = policy.requests[0]["state"]
        assert action is not None and np.allclose(action, observed, atol=0.05)
    finally:
        runner.stop()


def test_next_chunk_is_requested_at_the_replan_fraction_with_the_new_prompt() -> None:
    policy = FakePolicy(chunk=20)
    runner = runner_with(policy, replan_fraction=0.5)
    runner.set_prompt("pick up the red cube")
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: runner.status().chunks == 1, what="first chunk")
        runner.set_prompt("pick up the blue cube")
        drive(runner, range(1, 10))
        # Delivered at tick 1 from its first row (the robot held at tick 0): 9 of 20 run.
        assert len(policy.requests) == 1
        drive(runner, range(10, 12))
        wait_until(lambda: runner.status().chunks == 2, what="second chunk")
        assert policy.prompts == ["pick up the red cube", "pick up the blue cube"]
        assert runner.status().chunk_prompt == "pick up the blue cube"
    finally:
        runner.stop()


def test_running_out_of_actions_counts_underruns() -> None:
    policy = FakePolicy(chunk=4, latency_s=0.0)
    runner = runner_with(policy)
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: runner.status().chunks == 1, what="first chunk")
        policy.gate.clear()  # the next chunk will not come in time
        actions = drive(runner, range(1, 8))
        assert all(action is not None for action in actions[:4])  # ticks 1..4: rows 0..3
        assert [action is None for action in actions[4:]] == [True] * 3
        assert runner.status().underruns == 3
    finally:
        policy.gate.set()
        runner.stop()


def test_missing_camera_is_reported_after_a_wait_and_disengages() -> None:
    errors: list[str] = []
    runner = runner_with(FakePolicy(cameras=("cam_low",)), errors, camera_wait_s=0.2)
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: errors, what="error")
        assert "cam_low" in errors[0]
        assert runner.action_for(1) is None
    finally:
        runner.stop()


def test_chunk_from_before_a_reset_is_dropped() -> None:
    policy = FakePolicy(chunk=20)
    policy.gate.clear()
    runner = runner_with(policy)
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: policy.requests, what="request")
        runner.engage(False)  # e.g. the user left policy mode while inference ran
    finally:
        policy.gate.set()
        runner.stop()
    assert runner.status().chunks == 0


def test_a_set_latency_holds_each_chunk_back_until_it_has_passed() -> None:
    policy = FakePolicy(chunk=20, latency_s=0.0)
    runner = runner_with(policy, min_latency_ms=200)
    try:
        started = time.monotonic()
        drive(runner, range(0, 1))
        wait_until(lambda: runner.status().chunks == 1, what="first chunk")
        assert time.monotonic() - started >= 0.2  # a floor: never sooner, whatever the load
        assert len(policy.requests) == 1
        assert runner.status().inference_ms < 200  # the policy's own time, not the set one
    finally:
        runner.stop()


def test_a_set_latency_out_of_range_is_refused() -> None:
    for bad in (-1.0, 5000.0):
        with pytest.raises(ValueError, match="min_latency_ms"):
            RunnerConfig(min_latency_ms=bad)


def test_the_ticks_where_a_chunk_replaced_another_are_kept() -> None:
    policy = FakePolicy(chunk=20)
    runner = runner_with(policy, replan_fraction=0.5)
    try:
        drive(runner, range(0, 1))
        wait_until(lambda: runner.status().chunks == 1, what="first chunk")
        assert runner.switch_ticks().tolist() == []  # the first chunk replaced nothing
        drive(runner, range(1, 12))
        wait_until(lambda: runner.status().chunks == 2, what="second chunk")
        (switch,) = runner.switch_ticks().tolist()
        assert 11 <= switch <= 12  # delivered at the tick after the one it was asked at
    finally:
        runner.stop()
