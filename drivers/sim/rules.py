"""Success rules of the tasks, read from contacts and object positions (gym-aloha's reward 4)."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from drivers.sim.layouts import COLORS, CUBE_HALF, PICK_YELLOW_COLORS, SQUARE_HALF

LEFT_FINGERS = ("vx300s_left/10_left_gripper_finger", "vx300s_left/10_right_gripper_finger")
RIGHT_FINGERS = ("vx300s_right/10_left_gripper_finger", "vx300s_right/10_right_gripper_finger")
SOCKET_WALLS = ("socket-1", "socket-2", "socket-3", "socket-4")
LIFT_HEIGHT = 0.05  # pick_color: the named cube's bottom at least this far above the table
RESTING_TOLERANCE = 0.01  # pick_color: a cube whose centre is this close to rest height is down


class SceneView(Protocol):
    """What a rule may look at: touching geom pairs, body positions, the named colour."""

    target_color: str | None  # pick_color's named cube, None in the other tasks

    def contacts(self) -> set[frozenset[str]]:
        """Pairs of geom names in contact now."""

    def body_height(self, body: str) -> float:
        """World z of a body's origin (metres; the table top is at 0)."""

    def body_position(self, body: str) -> np.ndarray:
        """World (x, y, z) of a body's origin."""


def _touch(contacts: set[frozenset[str]], a: str, b: str) -> bool:
    return frozenset((a, b)) in contacts


def transfer_cube_success(view: SceneView) -> bool:
    """The left gripper touches the cube and the cube does not touch the table."""
    contacts = view.contacts()
    held = _touch(contacts, "red_box", LEFT_FINGERS[0])
    return held and not _touch(contacts, "red_box", "table")


def insertion_success(view: SceneView) -> bool:
    """The peg touches the pin inside the socket."""
    return _touch(view.contacts(), "red_peg", "pin")


def pick_color_success(view: SceneView) -> bool:
    """The named cube is held 5 cm up by the right gripper; the other two rest on the table."""
    return _picked_alone(view, COLORS)


def pick_yellow_success(view: SceneView) -> bool:
    """pick_color's rule in pick_yellow's scene (red, green and yellow cubes)."""
    return _picked_alone(view, PICK_YELLOW_COLORS)


def _picked_alone(view: SceneView, colors: tuple[str, ...]) -> bool:
    contacts = view.contacts()
    target_color = view.target_color
    target = f"{target_color}_box"
    held = any(_touch(contacts, target, finger) for finger in RIGHT_FINGERS)
    lifted = view.body_height(f"{target_color}_cube") - CUBE_HALF >= LIFT_HEIGHT
    others_down = all(
        abs(view.body_height(f"{color}_cube") - CUBE_HALF) < RESTING_TOLERANCE
        for color in colors
        if color != target_color
    )
    return held and lifted and others_down


# Milestones on the way to success, as gym-aloha's rewards 1-3 (its reward 4 is success). A
# stage function gives the highest milestone that holds at one instant (0: none); evaluation
# keeps the highest over an episode, which says where failed episodes stopped.
TRANSFER_CUBE_STAGES = ("right gripper touches the cube", "lifted by the right", "left touches it")
INSERTION_STAGES = ("both grippers hold their part", "both lifted", "peg touches the socket")
PICK_COLOR_STAGES = ("right gripper touches the named cube", "named cube lifted 5 cm")


def _touches_any(contacts: set[frozenset[str]], geom: str, others: tuple[str, ...]) -> bool:
    return any(_touch(contacts, geom, other) for other in others)


def transfer_cube_stage(view: SceneView) -> int:
    """0-3: right touches the cube, then lifts it off the table, then the left touches it."""
    contacts = view.contacts()
    on_table = _touch(contacts, "red_box", "table")
    if _touches_any(contacts, "red_box", LEFT_FINGERS):
        return 3
    if _touches_any(contacts, "red_box", RIGHT_FINGERS):
        return 1 if on_table else 2
    return 0


def insertion_stage(view: SceneView) -> int:
    """0-3: both parts held, then both off the table, then the peg touches the socket."""
    contacts = view.contacts()
    fingers = LEFT_FINGERS + RIGHT_FINGERS
    if any(_touch(contacts, "red_peg", wall) for wall in SOCKET_WALLS):
        return 3
    peg_held = _touches_any(contacts, "red_peg", fingers)
    socket_held = any(_touches_any(contacts, wall, fingers) for wall in SOCKET_WALLS)
    if not (peg_held and socket_held):
        return 0
    on_table = _touch(contacts, "red_peg", "table") or _touches_any(contacts, "table", SOCKET_WALLS)
    return 1 if on_table else 2


def pick_color_stage(view: SceneView) -> int:
    """0-2: the right gripper touches the named cube, then holds it 5 cm up."""
    contacts = view.contacts()
    target_color = view.target_color
    if not _touches_any(contacts, f"{target_color}_box", RIGHT_FINGERS):
        return 0
    lifted = view.body_height(f"{target_color}_cube") - CUBE_HALF >= LIFT_HEIGHT
    return 2 if lifted else 1


PLACE_CUBE_STAGES = ("right gripper touches the cube", "cube lifted", "cube over the square")


def _cube_over_square(view: SceneView) -> bool:
    """The cube's centre within the marked square, seen from above."""
    offset = view.body_position("red_cube")[:2] - view.body_position("square")[:2]
    return bool(np.all(np.abs(offset) <= SQUARE_HALF))


def place_cube_success(view: SceneView) -> bool:
    """The cube rests on the table inside the yellow square, let go by the right gripper."""
    resting = abs(view.body_height("red_cube") - CUBE_HALF) < RESTING_TOLERANCE
    held = _touches_any(view.contacts(), "red_box", RIGHT_FINGERS)
    return resting and not held and _cube_over_square(view)


def place_cube_stage(view: SceneView) -> int:
    """0-3: the right gripper touches the cube, lifts it, then holds it over the square."""
    if not _touches_any(view.contacts(), "red_box", RIGHT_FINGERS):
        return 0
    if view.body_height("red_cube") - CUBE_HALF < RESTING_TOLERANCE:
        return 1
    return 3 if _cube_over_square(view) else 2
