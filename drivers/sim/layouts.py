"""Seeded initial object poses of each task: where the cubes, peg and socket start."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COLORS = ("red", "green", "blue")
_UPRIGHT = np.array([1.0, 0.0, 0.0, 0.0])  # identity quaternion (w, x, y, z)
CUBE_HALF = 0.02  # cube half size; cubes rest with their centre at this height
PEG_HALF_HEIGHT = 0.01
SOCKET_REST_HEIGHT = 0.022  # the socket's lowest plate is 0.022 m below its origin


@dataclass(frozen=True)
class Layout:
    """Initial free-joint poses (x, y, z, qw, qx, qy, qz) and, for pick_color, the named cube."""

    poses: dict[str, np.ndarray] = field(default_factory=dict)  # free joint name -> (7,)
    target_color: str | None = None


def _pose(x: float, y: float, z: float) -> np.ndarray:
    return np.concatenate([[x, y, z], _UPRIGHT])


def transfer_cube_layout(rng: np.random.Generator) -> Layout:
    """The cube anywhere in gym-aloha's box: x 0..0.2, y 0.4..0.6 (right half of the table)."""
    x, y = rng.uniform([0.0, 0.4], [0.2, 0.6])
    return Layout({"red_box_joint": _pose(x, y, CUBE_HALF)})


def insertion_layout(rng: np.random.Generator) -> Layout:
    """Peg on the right (x 0.1..0.2), socket on the left (x -0.2..-0.1), y 0.4..0.6 each."""
    peg_x, peg_y = rng.uniform([0.1, 0.4], [0.2, 0.6])
    socket_x, socket_y = rng.uniform([-0.2, 0.4], [-0.1, 0.6])
    return Layout(
        {
            "red_peg_joint": _pose(peg_x, peg_y, PEG_HALF_HEIGHT),
            "blue_socket_joint": _pose(socket_x, socket_y, SOCKET_REST_HEIGHT),
        }
    )


# pick_color: cube centres within the right arm's comfortable reach, far enough apart that the
# open gripper (fingers 6 cm wide, 7 cm apart) fits around one cube without touching another.
PICK_REGION_LO = np.array([0.0, 0.38])
PICK_REGION_HI = np.array([0.22, 0.62])
PICK_MIN_SEPARATION = 0.10


def pick_color_layout(rng: np.random.Generator) -> Layout:
    """Three cubes at random separated places; the named colour is drawn from the same seed."""
    poses = _three_cubes(rng, COLORS)
    return Layout(poses, target_color=COLORS[int(rng.integers(len(COLORS)))])


# pick_yellow: pick_color's places, a yellow cube in place of the blue one, and always named.
PICK_YELLOW_COLORS = ("red", "green", "yellow")


def pick_yellow_layout(rng: np.random.Generator) -> Layout:
    """The red, green and yellow cubes at pick_color's random separated places; yellow named."""
    return Layout(_three_cubes(rng, PICK_YELLOW_COLORS), target_color="yellow")


def _three_cubes(rng: np.random.Generator, colors: tuple[str, ...]) -> dict[str, np.ndarray]:
    centres: list[np.ndarray] = []
    while len(centres) < len(colors):
        candidate = rng.uniform(PICK_REGION_LO, PICK_REGION_HI)
        if all(np.linalg.norm(candidate - c) >= PICK_MIN_SEPARATION for c in centres):
            centres.append(candidate)
    return {
        f"{color}_cube_joint": _pose(*c, CUBE_HALF)
        for color, c in zip(colors, centres, strict=True)
    }


# place_cube: the cube where the right arm picks well, the square nearer the middle of the table.
PLACE_CUBE_LO, PLACE_CUBE_HI = np.array([0.10, 0.40]), np.array([0.22, 0.60])
PLACE_SQUARE_LO, PLACE_SQUARE_HI = np.array([-0.04, 0.40]), np.array([0.04, 0.60])
PLACE_MIN_SEPARATION = 0.10  # centre to centre: the cube never starts on the square
SQUARE_HALF = 0.04  # half the side of the marked square
SQUARE_HEIGHT = 0.001  # the mark's centre: just above the table top


def place_cube_layout(rng: np.random.Generator) -> Layout:
    """The red cube and the yellow square at random places at least 10 cm apart."""
    cube = rng.uniform(PLACE_CUBE_LO, PLACE_CUBE_HI)
    square = rng.uniform(PLACE_SQUARE_LO, PLACE_SQUARE_HI)
    while np.linalg.norm(cube - square) < PLACE_MIN_SEPARATION:
        square = rng.uniform(PLACE_SQUARE_LO, PLACE_SQUARE_HI)
    return Layout(
        {"red_cube_joint": _pose(*cube, CUBE_HALF), "square_joint": _pose(*square, SQUARE_HEIGHT)}
    )
