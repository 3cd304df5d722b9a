"""Leaders played by the scripted expert or the keyboard, read as arms once per control step."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.ik import ArmIK
from drivers.sim.keyboard import STEP_M
from drivers.sim.leaders import PlayedLeaderArm, PlayedLeaders
from drivers.sim.scripted import make_demonstrator


def _read(arms) -> np.ndarray:
    return np.concatenate([arm.read_state().qpos for arm in arms])


def test_the_expert_leader_gives_the_scripted_targets_one_step_per_tick(make_sim) -> None:
    sim, twin = make_sim("pick_color", seed=7), make_sim("pick_color", seed=7)
    played = PlayedLeaders(sim, "expert")
    arms = [PlayedLeaderArm(played, side) for side in ("left", "right")]
    for arm in arms:
        arm.connect()
    played.begin_episode()
    expert = make_demonstrator(twin)
    for step in range(40):
        target = _read(arms)
        assert np.array_equal(target, _read(arms))  # read twice in a tick: the same step
        np.testing.assert_allclose(target, expert(step), atol=1e-6)
        for world in (sim, twin):
            world.set_action(target)
            world.step()


def test_before_an_episode_the_expert_holds_the_start_pose(make_sim) -> None:
    sim = make_sim("transfer_cube")
    played = PlayedLeaders(sim, "expert")
    sim.step()
    np.testing.assert_array_equal(
        np.concatenate([played.state(s).qpos for s in ("left", "right")]), sim.start_action()
    )


def test_in_a_reset_pause_the_expert_holds_the_start_pose_until_the_take(make_sim) -> None:
    sim = make_sim("pick_color", seed=7)
    played = PlayedLeaders(sim, "expert")
    played.begin_episode()
    for _ in range(30):  # the expert under way
        sim.set_action(np.concatenate([played.state(s).qpos for s in ("left", "right")]))
        sim.step()
    sim.reset(8)
    played.hold_start()
    for _ in range(30):  # the countdown: the start pose, not the script
        held = np.concatenate([played.state(s).qpos for s in ("left", "right")])
        np.testing.assert_array_equal(held, sim.start_action())
        sim.step()
    played.begin_episode()  # the take: the script plays
    for _ in range(30):
        sim.step()
        moved = np.abs(played.state("right").qpos - sim.start_action()[7:]).max()
    assert moved > 0.1


def test_keyboard_presses_move_the_selected_gripper(make_sim) -> None:
    sim = make_sim("pick_color")
    played = PlayedLeaders(sim, "keyboard")
    ik = ArmIK(sim.model, "right")
    start, _ = ik.forward(played.state("right").qpos[:6])
    for key in "ddr":  # two steps across, one up
        assert played.press(key)
    sim.step()
    moved, _ = ik.forward(played.state("right").qpos[:6])
    np.testing.assert_allclose(moved - start, [2 * STEP_M, 0, STEP_M], atol=2e-3)
    assert played.press("\t") and played.keyboard.arm == "left"
    assert not played.press("x")


def test_an_unknown_leader_is_refused(make_sim) -> None:
    with pytest.raises(ValueError, match="unknown leader 'hands'"):
        PlayedLeaders(make_sim("pick_color"), "hands")
