"""Success rules on hand-placed states: objects put where a success or failure leaves them."""

from __future__ import annotations

import mujoco
import numpy as np

from drivers.sim.ik import ArmIK
from drivers.sim.layouts import pick_color_layout
from drivers.sim.rules import (
    LEFT_FINGERS,
    RIGHT_FINGERS,
    insertion_stage,
    pick_color_stage,
    pick_color_success,
    transfer_cube_stage,
)
from drivers.sim.world import AlohaSim

FINGER_ON_CUBE = 0.041  # finger slide that presses 1.4 mm into a 4 cm cube's faces


def _free_joint(sim: AlohaSim, joint: str) -> int:
    return sim.model.joint(joint).qposadr[0]


def _place(sim: AlohaSim, joint: str, position: np.ndarray, rotation: np.ndarray | None = None):
    address = _free_joint(sim, joint)
    sim.data.qpos[address : address + 3] = position
    if rotation is not None:
        quat = np.zeros(4)
        mujoco.mju_mat2Quat(quat, rotation.reshape(9))
        sim.data.qpos[address + 3 : address + 7] = quat


def _put_in_gripper(sim: AlohaSim, side: str, joint: str) -> None:
    """Cube between the fingertips of `side`, fingers closed on it."""
    start = 0 if side == "left" else 7
    tip, rotation = ArmIK(sim.model, side).forward(sim.qpos()[start : start + 6])
    _place(sim, joint, tip - 0.015 * rotation[:, 0], rotation)
    finger = sim.model.joint(f"vx300s_{side}/left_finger").qposadr[0]
    mirror = sim.model.joint(f"vx300s_{side}/right_finger").qposadr[0]
    sim.data.qpos[finger], sim.data.qpos[mirror] = FINGER_ON_CUBE, -FINGER_ON_CUBE


def _settle(sim: AlohaSim) -> None:
    mujoco.mj_forward(sim.model, sim.data)  # contacts of the placed state, no time passes


def test_transfer_cube_on_the_table_is_not_success(make_sim) -> None:
    sim = make_sim("transfer_cube", seed=0)
    assert not sim.success()


def test_transfer_cube_held_by_the_left_gripper_is_success(make_sim) -> None:
    sim = make_sim("transfer_cube", seed=0)
    _put_in_gripper(sim, "left", "red_box_joint")
    _settle(sim)
    assert sim.success()


def test_transfer_cube_held_by_the_right_gripper_is_not_success(make_sim) -> None:
    sim = make_sim("transfer_cube", seed=0)
    _put_in_gripper(sim, "right", "red_box_joint")
    _settle(sim)
    assert not sim.success()


def test_insertion_peg_touching_the_pin_is_success(make_sim) -> None:
    sim = make_sim("insertion", seed=0)
    assert not sim.success()
    socket = sim.body_position("socket")
    _place(sim, "red_peg_joint", socket + [0.04 + 0.06 - 0.001, 0.0, 0.0])  # 1 mm into the pin
    _settle(sim)
    assert sim.success()


def test_pick_color_named_cube_lifted_is_success(make_sim) -> None:
    sim = make_sim("pick_color", seed=0)
    assert not sim.success()
    _put_in_gripper(sim, "right", f"{sim.target_color}_cube_joint")
    _settle(sim)
    assert sim.success()


def test_pick_color_wrong_cube_lifted_is_failure(make_sim) -> None:
    sim = make_sim("pick_color", seed=0)
    other = next(color for color in ("red", "green", "blue") if color != sim.target_color)
    _put_in_gripper(sim, "right", f"{other}_cube_joint")
    _settle(sim)
    assert not sim.success()


def test_pick_color_fails_when_another_cube_left_the_table(make_sim) -> None:
    sim = make_sim("pick_color", seed=0)
    _put_in_gripper(sim, "right", f"{sim.target_color}_cube_joint")
    other = next(color for color in ("red", "green", "blue") if color != sim.target_color)
    _place(sim, f"{other}_cube_joint", np.array([-0.2, 0.3, 0.15]))  # knocked into the air
    _settle(sim)
    assert not sim.success()


def test_pick_yellow_names_the_yellow_cube_and_judges_it_alone(make_sim) -> None:
    sim = make_sim("pick_yellow", seed=0)
    assert (sim.target_color, sim.prompt) == ("yellow", "pick up the yellow cube")
    _put_in_gripper(sim, "right", "yellow_cube_joint")
    _settle(sim)
    assert sim.success()
    _place(sim, "red_cube_joint", np.array([-0.2, 0.3, 0.15]))  # knocked into the air
    _settle(sim)
    assert not sim.success()


def test_pick_yellow_another_cube_lifted_is_failure(make_sim) -> None:
    sim = make_sim("pick_yellow", seed=0)
    _put_in_gripper(sim, "right", "green_cube_joint")
    _settle(sim)
    assert not sim.success()
    assert sim.stage() == 0


def test_pick_color_keeps_its_layouts() -> None:
    """pick_yellow shares the layout code: pick_color's seeds still draw what they drew."""
    layout = pick_color_layout(np.random.default_rng(0))
    assert layout.target_color == "green"
    np.testing.assert_allclose(layout.poses["red_cube_joint"][:2], [0.14013, 0.44475], atol=1e-5)


class _View:
    """A hand-written scene for the pure rule: red held by a right finger at a given height."""

    target_color = "red"

    def __init__(self, red_height: float) -> None:
        self.heights = {"red_cube": red_height, "green_cube": 0.02, "blue_cube": 0.02}

    def contacts(self) -> set[frozenset[str]]:
        return {frozenset(("red_box", RIGHT_FINGERS[0])), frozenset(("green_box", "table"))}

    def body_height(self, body: str) -> float:
        return self.heights[body]


def test_pick_color_needs_five_centimetres_of_lift() -> None:
    assert not pick_color_success(_View(red_height=0.02 + 0.049))
    assert pick_color_success(_View(red_height=0.02 + 0.051))


class _Contacts:
    """A scene view of given contacts and heights (rest height unless given)."""

    def __init__(self, *pairs: tuple[str, str], target_color: str | None = None, **heights) -> None:
        self.pairs = {frozenset(pair) for pair in pairs}
        self.target_color = target_color
        self.heights = heights

    def contacts(self) -> set[frozenset[str]]:
        return self.pairs

    def body_height(self, body: str) -> float:
        return self.heights.get(body, 0.02)


def test_transfer_cube_stages_follow_the_hand_over() -> None:
    right, left = RIGHT_FINGERS[1], LEFT_FINGERS[0]
    assert transfer_cube_stage(_Contacts(("red_box", "table"))) == 0
    assert transfer_cube_stage(_Contacts(("red_box", right), ("red_box", "table"))) == 1
    assert transfer_cube_stage(_Contacts(("red_box", right))) == 2
    assert transfer_cube_stage(_Contacts(("red_box", right), ("red_box", left))) == 3


def test_insertion_stages_need_both_parts() -> None:
    peg, socket = ("red_peg", RIGHT_FINGERS[0]), ("socket-2", LEFT_FINGERS[1])
    assert insertion_stage(_Contacts(peg, ("red_peg", "table"))) == 0  # the socket is not held
    assert insertion_stage(_Contacts(peg, socket, ("socket-1", "table"))) == 1
    assert insertion_stage(_Contacts(peg, socket)) == 2
    assert insertion_stage(_Contacts(peg, socket, ("red_peg", "socket-3"))) == 3


def test_pick_color_stages_count_only_the_named_cube() -> None:
    grip = (("blue_box", RIGHT_FINGERS[0]),)
    assert pick_color_stage(_Contacts(*grip, target_color="red", blue_cube=0.2)) == 0
    assert pick_color_stage(_Contacts(*grip, target_color="blue")) == 1
    assert pick_color_stage(_Contacts(*grip, target_color="blue", blue_cube=0.02 + 0.051)) == 2


def _square(sim: AlohaSim) -> np.ndarray:
    return sim.body_position("square").copy()


def test_place_cube_resting_on_the_square_is_success(make_sim) -> None:
    sim = make_sim("place_cube", seed=1)
    _place(sim, "red_cube_joint", _square(sim) * [1, 1, 0] + [0.03, -0.03, 0.02])
    _settle(sim)
    assert sim.success()


def test_place_cube_beside_the_square_is_failure(make_sim) -> None:
    sim = make_sim("place_cube", seed=1)
    assert not sim.success()  # where it starts
    _place(sim, "red_cube_joint", _square(sim) * [1, 1, 0] + [0.05, 0.0, 0.02])
    _settle(sim)
    assert not sim.success()


def test_place_cube_still_held_over_the_square_is_failure(make_sim) -> None:
    sim = make_sim("place_cube", seed=1)
    _put_in_gripper(sim, "right", "red_cube_joint")
    _settle(sim)
    cube = sim.body_position("red_cube")
    _place(sim, "square_joint", cube * [1, 1, 0] + [0, 0, 0.001])
    _settle(sim)
    assert sim.stage() == 3 and not sim.success()
