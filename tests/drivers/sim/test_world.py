"""AlohaSim: seeded resets, ALOHA conventions, stepping without rendering."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.gripper import finger_from_normalised, normalised_from_finger
from drivers.sim.tasks import TASKS
from drivers.sim.world import CONTROL_PERIOD, AlohaSim


def _object_poses(sim: AlohaSim) -> np.ndarray:
    return sim.data.qpos[16:].copy()  # everything after the two arms' 8 joints each


@pytest.mark.parametrize("task", list(TASKS))
def test_same_seed_gives_the_same_object_poses(make_sim, task: str) -> None:
    first, second = make_sim(task, seed=7), make_sim(task, seed=7)
    assert np.array_equal(_object_poses(first), _object_poses(second))
    assert first.prompt == second.prompt


@pytest.mark.parametrize("task", list(TASKS))
def test_other_seeds_move_the_objects(make_sim, task: str) -> None:
    poses = {tuple(np.round(_object_poses(make_sim(task, seed)), 6)) for seed in range(4)}
    assert len(poses) == 4


@pytest.mark.parametrize("task", list(TASKS))
def test_object_poses_are_the_seeded_layout(make_sim, task: str) -> None:
    sim = make_sim(task, seed=5)
    layout = sim.task.sample_layout(np.random.default_rng(5))
    assert sim.object_joints == tuple(layout.poses)
    np.testing.assert_allclose(sim.object_poses(), np.stack(list(layout.poses.values())))


def test_reset_returns_to_the_seeded_state(make_sim) -> None:
    sim = make_sim("transfer_cube", seed=3)
    start = _object_poses(sim)
    sim.set_action(sim.start_action() + 0.2)
    for _ in range(20):
        sim.step()
    sim.reset(3)
    assert np.array_equal(_object_poses(sim), start)
    assert sim.steps == 0 and sim.time == 0.0


def test_same_actions_give_the_same_trajectory(make_sim) -> None:
    runs = []
    for _ in range(2):
        sim = make_sim("transfer_cube", seed=1)
        action = sim.start_action()
        action[[1, 8]] += 0.3
        for _ in range(25):
            sim.set_action(action)
            sim.step()
        runs.append(np.concatenate([sim.qpos(), sim.qvel()]))
    assert np.array_equal(runs[0], runs[1])


def test_step_advances_one_control_period(make_sim) -> None:
    sim = make_sim("transfer_cube")
    sim.step()
    assert sim.time == pytest.approx(CONTROL_PERIOD)


def test_state_follows_aloha_order_and_gripper_convention(make_sim) -> None:
    sim = make_sim("transfer_cube")
    action = sim.start_action()
    action[[6, 13]] = [1.0, 0.0]  # left gripper open, right closed
    action[0] = 0.3  # left waist
    for _ in range(50):
        sim.set_action(action)
        sim.step()
    qpos = sim.qpos()
    assert qpos.shape == (14,) and qpos.dtype == np.float32
    assert qpos[0] == pytest.approx(0.3, abs=0.02) and qpos[7] == pytest.approx(0.0, abs=0.02)
    assert qpos[6] > 0.9  # open
    assert qpos[13] < 0.15  # closed as far as the finger range (0.021 m, about 0.07) allows
    assert sim.qvel().shape == (14,) and sim.effort().shape == (14,)


def test_gripper_normalisation_round_trips() -> None:
    values = np.linspace(0, 1, 5)
    assert np.allclose(normalised_from_finger(finger_from_normalised(values)), values)


def test_joint_limits_cover_the_start_pose(make_sim) -> None:
    sim = make_sim("pick_color")
    lo, hi = sim.joint_limits()
    assert np.all(lo <= sim.qpos()) and np.all(sim.qpos() <= hi)
    assert lo[6] == 0.0 and hi[13] == 1.0


def test_bad_action_shape_is_refused(make_sim) -> None:
    with pytest.raises(ValueError, match="shape"):
        make_sim("transfer_cube").set_action(np.zeros(7))


def test_stepping_physics_never_renders(make_sim, monkeypatch: pytest.MonkeyPatch) -> None:
    import mujoco

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered while stepping")

    monkeypatch.setattr(mujoco, "Renderer", refuse)
    monkeypatch.setattr(AlohaSim, "render", refuse)
    sim = make_sim("pick_color", seed=2)
    for _ in range(10):
        sim.set_action(sim.start_action())
        sim.step()
        sim.qpos(), sim.success()
    assert sim.steps == 10


def test_render_gives_the_asked_size(make_sim) -> None:
    sim = make_sim("pick_color")
    image = sim.render("cam_high", 24, 32)
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    assert image.std() > 0  # not a blank frame


def test_unknown_task_and_camera_are_named() -> None:
    with pytest.raises(ValueError, match="pick_color"):
        AlohaSim("stack_cups")
    with AlohaSim("transfer_cube") as sim, pytest.raises(ValueError, match="cam_high"):
        sim.render("cam_ceiling", 24, 32)


def test_a_bare_script_renders_without_setting_mujoco_gl() -> None:
    # drivers.sim picks headless EGL itself; scripts need not know about MUJOCO_GL.
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("MUJOCO_GL", "PYOPENGL_PLATFORM")}
    script = (
        "from drivers.sim.world import AlohaSim\n"
        "with AlohaSim('transfer_cube', seed=0) as sim:\n"
        "    print(sim.render('cam_high', 48, 64).shape)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-500:]
    assert out.stdout.strip() == "(48, 64, 3)"


@pytest.mark.slow
def test_success_is_judged_for_the_cube_the_prompt_names(make_sim) -> None:
    from drivers.sim.rollout import run_scripted

    sim = make_sim("pick_color", seed=424242)
    assert sim.target_color == "blue"  # the scene's own prompt names the blue cube
    sim.follow_prompt("pick up the red cube")
    rollout = run_scripted(sim, 424242)  # the expert follows the prompt, across the reset
    assert sim.target_color == "red" and rollout.final_success
    sim.follow_prompt("pick up the blue cube")
    assert not sim.success()  # the red cube is up, not the blue one


def test_a_prompt_naming_no_cube_is_never_a_success(make_sim) -> None:
    sim = make_sim("pick_color", seed=3)
    sim.follow_prompt("wave hello")
    assert sim.prompt_problem == "the prompt names no cube of pick_color (red, green, blue)"
    assert not sim.success() and sim.stage() == 0
    sim.follow_prompt(None)
    assert sim.prompt_problem is None and sim.prompt == f"pick up the {sim.target_color} cube"


@pytest.mark.parametrize(
    ("task", "prompt", "problem"),
    [
        ("pick_color", "Grab the GREEN one", None),
        ("pick_color", "pick up the reddish cube", "names no cube"),
        ("pick_color", "pick up the red cube and the blue one", "more than one (red, blue)"),
        ("transfer_cube", "hand the block over", None),
        ("insertion", "pick up the cube", "names no object of insertion (peg, socket)"),
    ],
)
def test_prompt_problem(task: str, prompt: str, problem: str | None) -> None:
    from drivers.sim.tasks import get_task

    found = get_task(task).prompt_problem(prompt)
    assert found == problem if problem is None else problem in found


def test_every_task_prompt_names_its_object() -> None:
    from drivers.sim.tasks import TASKS

    for task in TASKS.values():
        assert all(task.prompt_problem(p) is None for p in task.all_prompts()), task.name
