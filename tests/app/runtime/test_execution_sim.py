"""Each execution mode through the real runner and control loop on the simulated ALOHA."""

import numpy as np
import pytest
import torch

from app.runtime.policy_runner import RunnerConfig
from app.runtime.robots import make_robot
from app.runtime.session import RobotSession
from app.runtime.snapshot import Mode
from app.runtime.untrained import untrained_tiny_policy
from tests.app.runtime.fakes import FakePolicy, wait_until

pytestmark = pytest.mark.slow


def sim_robot():
    return make_robot("sim", task="pick_color", cameras=("cam_high",), image_size=(48, 64))


def run_mode(policy, mode: str, chunks: int = 4):
    config = RunnerConfig(execution=mode, execution_horizon=10)
    with RobotSession(sim_robot(), policy, runner=config) as session:
        session.set_prompt("pick up the red cube")
        session.set_mode(Mode.POLICY)
        wait_until(lambda: session.snapshot().chunks >= chunks, timeout=60, what="chunks")
        snap = session.snapshot()
    return snap


@pytest.mark.parametrize("mode", ["sync", "naive", "blend", "rtc"])
def test_each_mode_drives_the_simulator(mode) -> None:
    policy = FakePolicy(chunk=50, latency_s=0.06)
    snap = run_mode(policy, mode)
    assert snap.error is None and snap.mode is Mode.POLICY
    assert snap.execution == mode
    assert snap.underruns == 0  # sync holds on purpose; the others never run dry here
    sent = snap.history_action[~np.isnan(snap.history_action).any(axis=1)]
    assert len(sent) > 25 and np.isfinite(sent).all()
    if mode == "rtc":  # every chunk after the first is inpainted onto the actions ahead
        assert len(policy.guidance) >= 3 and snap.delay_ticks >= 1
        assert all(g["prefix"].shape[1] == 14 and g["delay"] >= 0 for g in policy.guidance)
        assert max(g["delay"] for g in policy.guidance[1:]) >= 1
    else:
        assert policy.guidance == []


def test_sync_holds_still_while_the_policy_thinks() -> None:
    policy = FakePolicy(chunk=50, latency_s=0.2)  # 10 ticks of waiting per chunk
    snap = run_mode(policy, "sync", chunks=3)
    sent = snap.history_action[~np.isnan(snap.history_action).any(axis=1)]
    repeated = np.all(np.diff(sent, axis=0) == 0, axis=1)
    assert repeated.sum() >= 10  # held ticks: the same command again


def test_guided_tiny_pi0_drives_the_simulator_in_rtc() -> None:
    torch.set_num_threads(1)
    policy = untrained_tiny_policy(cameras=("cam_high",))
    snap = run_mode(policy, "rtc", chunks=3)
    assert snap.error is None and snap.execution == "rtc" and snap.delay_ticks >= 1
