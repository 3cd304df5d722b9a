"""The waypoints of each task's scripted expert, planned from where the objects are.

Each task is a few phases; a phase's planner sees the live simulator and the poses the
grippers are being sent to now, and returns waypoints (absolute steps) for the arms it moves.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from drivers.sim.ik import gripper_rotation
from drivers.sim.waypoints import Waypoint
from drivers.sim.world import AlohaSim

Plans = dict[str, list[Waypoint]]  # side -> waypoints from the phase's first step on
Planner = Callable[[AlohaSim, dict[str, Waypoint]], Plans]  # (sim, commanded now) -> plans

# Gripper frames (x = approach direction, y = finger slide axis).
DOWN = gripper_rotation([0, 0, -1], [0, 1, 0])  # pointing at the table, fingers close along y
TO_LEFT = gripper_rotation([-1, 0, 0], [0, 1, 0])  # right arm, pointing across the table
TO_RIGHT_VERTICAL = gripper_rotation([1, 0, 0], [0, 0, 1])  # left arm, fingers close along z
OPEN, CLOSED = 1.0, 0.0
GRASP_ABOVE_CENTRE = 0.005  # fingertips this far above a cube's centre: 1.5 cm of grip


def _up(height: float) -> np.ndarray:
    return np.array([0.0, 0.0, height])


def _grasp_from_above(tips: np.ndarray) -> list[Waypoint]:
    """Over the grasp point, down onto it, close: holding from step 110."""
    return [
        Waypoint(60, tips + _up(0.10), DOWN, OPEN),
        Waypoint(95, tips, DOWN, OPEN),
        Waypoint(110, tips, DOWN, CLOSED),
        Waypoint(125, tips, DOWN, CLOSED),
    ]


# ---------------------------------------------------------------- transfer_cube
MEET = np.array([0.0, 0.5, 0.25])  # where the cube changes hands
LEFT_TIP_GAP = 0.004  # between the two grippers' fingertips at the handover


def transfer_cube_reach(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Right picks the cube, lifts it and turns it towards the left, which waits open."""
    cube = sim.body_position("box")
    right = _grasp_from_above(cube + _up(GRASP_ABOVE_CENTRE))
    right += [
        Waypoint(165, cube + _up(GRASP_ABOVE_CENTRE + 0.12), DOWN, CLOSED),
        # Turned to point left, the fingertips end up on the +x side of the cube centre.
        Waypoint(225, MEET + [GRASP_ABOVE_CENTRE, 0, 0], TO_LEFT, CLOSED),
    ]
    left = [Waypoint(140, MEET + [-0.12, 0, 0], TO_RIGHT_VERTICAL, OPEN)]
    return {"left": left, "right": right}


def transfer_cube_handover(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Left takes the half of the cube the right gripper leaves free; right lets go."""
    cube = sim.body_position("box")  # where the cube really hangs, sag and slip included
    left_tips = cube + [GRASP_ABOVE_CENTRE - LEFT_TIP_GAP, 0, 0]  # just short of the right's
    left = [
        Waypoint(235, cube + [-0.12, 0, 0], TO_RIGHT_VERTICAL, OPEN),
        Waypoint(275, left_tips, TO_RIGHT_VERTICAL, OPEN),
        Waypoint(295, left_tips, TO_RIGHT_VERTICAL, CLOSED),
        Waypoint(335, left_tips, TO_RIGHT_VERTICAL, CLOSED),
        Waypoint(385, left_tips + [-0.05, 0, 0], TO_RIGHT_VERTICAL, CLOSED),
    ]
    right_tips = now["right"].position
    right = [
        Waypoint(305, right_tips, TO_LEFT, CLOSED),
        Waypoint(320, right_tips, TO_LEFT, OPEN),
        Waypoint(360, right_tips + [0.10, 0, 0], TO_LEFT, OPEN),
    ]
    return {"left": left, "right": right}


# ---------------------------------------------------------------- pick_color
def pick_color_pick(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Right picks the named cube from above and lifts it 12 cm; the left arm stays put."""
    tips = sim.body_position(f"{sim.target_color}_cube") + _up(GRASP_ABOVE_CENTRE)
    right = [*_grasp_from_above(tips), Waypoint(190, tips + _up(0.12), DOWN, CLOSED)]
    return {"right": right}


# ---------------------------------------------------------------- place_cube
PLACE_CARRY_HEIGHT = 0.10  # the cube's bottom this far above the table while carried
PLACE_DROP_HEIGHT = 0.006  # and this far when let go


def place_cube_pick(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Right picks the cube from above and lifts it; the left arm stays put."""
    tips = sim.body_position("red_cube") + _up(GRASP_ABOVE_CENTRE)
    right = [*_grasp_from_above(tips), Waypoint(160, tips + _up(PLACE_CARRY_HEIGHT), DOWN, CLOSED)]
    return {"right": right}


def place_cube_place(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Carry the cube (where it really hangs in the fingers) over the square, set it down, let
    go and back off upwards."""
    hold = now["right"].position - sim.body_position("red_cube")  # fingertips from cube centre
    over = sim.body_position("square") * [1, 1, 0] + _up(0.02 + PLACE_CARRY_HEIGHT) + hold
    down = over - _up(PLACE_CARRY_HEIGHT - PLACE_DROP_HEIGHT)
    right = [
        Waypoint(215, over, DOWN, CLOSED),
        Waypoint(250, down, DOWN, CLOSED),
        Waypoint(262, down, DOWN, CLOSED),
        Waypoint(275, down, DOWN, OPEN),
        Waypoint(310, down + _up(0.10), DOWN, OPEN),
    ]
    return {"right": right}


# ---------------------------------------------------------------- insertion
SOCKET_HELD_AT = np.array([-0.08, 0.5, 0.20])  # socket centre while the peg goes in
SOCKET_GRIP = np.array([-0.03, 0.0, 0.0])  # left fingertips on the socket's closed half
PEG_GRIP = np.array([0.03, 0.0, GRASP_ABOVE_CENTRE])  # right fingertips on the peg's far half
PEG_HALF_LENGTH = SOCKET_HALF_LENGTH = 0.06
PEG_STANDOFF = 0.04  # the peg's end waits this far outside the socket mouth
PEG_INSERT = 0.025  # then this deep into the socket: the pin, 0.02 in, stops it


def insertion_reach(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Left takes the socket, right the peg, both from above; they lift them to face each other."""
    socket, peg = sim.body_position("socket"), sim.body_position("peg")
    peg_centre = SOCKET_HELD_AT + [SOCKET_HALF_LENGTH + PEG_STANDOFF + PEG_HALF_LENGTH, 0, 0]
    left = [
        *_grasp_from_above(socket + SOCKET_GRIP),
        Waypoint(185, SOCKET_HELD_AT + SOCKET_GRIP, DOWN, CLOSED),
    ]
    right = [
        *_grasp_from_above(peg + PEG_GRIP),
        Waypoint(185, peg_centre + PEG_GRIP, DOWN, CLOSED),
    ]
    return {"left": left, "right": right}


def insertion_align(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Put the peg's end on the socket's axis, just outside its mouth (as they really are)."""
    return {"right": [_move_peg_end(sim, now["right"], PEG_STANDOFF, 230)]}


def insertion_insert(sim: AlohaSim, now: dict[str, Waypoint]) -> Plans:
    """Push the peg's end into the socket until it meets the pin."""
    return {"right": [_move_peg_end(sim, now["right"], -PEG_INSERT, 320)]}


def _move_peg_end(sim: AlohaSim, right: Waypoint, outside: float, t: int) -> Waypoint:
    """Right waypoint shifting the peg so its end is `outside` metres out of the socket mouth."""
    socket_axis = sim.body_rotation("socket")[:, 0]
    mouth = sim.body_position("socket") + SOCKET_HALF_LENGTH * socket_axis
    peg_end = sim.body_position("peg") - PEG_HALF_LENGTH * sim.body_rotation("peg")[:, 0]
    goal = mouth + outside * socket_axis
    return Waypoint(t, right.position + goal - peg_end, right.rotation, CLOSED)


# Task -> {first step of a phase: planner of that phase}.
SCRIPTS: dict[str, dict[int, Planner]] = {
    "transfer_cube": {0: transfer_cube_reach, 230: transfer_cube_handover},
    "pick_color": {0: pick_color_pick},
    "pick_yellow": {0: pick_color_pick},
    "place_cube": {0: place_cube_pick, 170: place_cube_place},
    "insertion": {0: insertion_reach, 200: insertion_align, 250: insertion_insert},
}
