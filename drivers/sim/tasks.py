"""The simulated tasks: scene, prompts, episode length, initial layout and success rule."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from drivers.sim import layouts, rules


@dataclass(frozen=True)
class Task:
    """One simulated task; `prompts` are templates where "{color}" names pick_color's cube."""

    name: str  # registry key, also the scene name in drivers.sim.scenes
    prompts: tuple[str, ...]  # canonical phrasing first, then paraphrases
    episode_steps: int  # control steps at 50 Hz
    sample_layout: Callable[[np.random.Generator], layouts.Layout]  # seeded initial poses
    is_success: Callable[[rules.SceneView], bool]  # the success rule at one instant
    stages: tuple[str, ...]  # milestones before success, in order
    stage: Callable[[rules.SceneView], int]  # the highest milestone holding now (0: none)
    colors: tuple[str, ...] = ()  # the colours a prompt can name (pick_color, pick_yellow)
    objects: tuple[str, ...] = ()  # words a prompt names the task's objects with (no colours)

    def __post_init__(self) -> None:
        if not self.prompts or self.episode_steps < 1:
            raise ValueError(f"task {self.name!r} needs prompts and a positive episode length")
        templated = all("{color}" in prompt for prompt in self.prompts)
        if templated != bool(self.colors):
            raise ValueError(f"task {self.name!r}: every prompt names {{color}} iff colors is set")
        if not self.colors and not self.objects:
            raise ValueError(f"task {self.name!r} needs the words that name its objects")

    def prompts_for(self, color: str | None = None) -> tuple[str, ...]:
        """The phrasings of this task for one episode (canonical first)."""
        if self.colors and color not in self.colors:
            raise ValueError(f"task {self.name!r} needs a colour in {self.colors}, got {color!r}")
        return tuple(prompt.format(color=color) for prompt in self.prompts)

    def colors_named(self, prompt: str) -> tuple[str, ...]:
        """The task's colours that `prompt` names, as whole words, in the task's order."""
        words = set(re.findall(r"[a-z]+", prompt.lower()))
        return tuple(color for color in self.colors if color in words)

    def prompt_problem(self, prompt: str) -> str | None:
        """Why success cannot be judged for `prompt` (it names no object of the task), or None."""
        if self.colors:
            named = self.colors_named(prompt)
            if len(named) == 1:
                return None
            which = "no" if not named else f"more than one ({', '.join(named)}):"
            return f"the prompt names {which} cube of {self.name} ({', '.join(self.colors)})"
        words = set(re.findall(r"[a-z]+", prompt.lower()))
        if words & set(self.objects):
            return None
        return f"the prompt names no object of {self.name} ({', '.join(self.objects)})"

    def all_prompts(self) -> tuple[str, ...]:
        """Every concrete phrasing of the task, over all colours."""
        if not self.colors:
            return self.prompts
        return tuple(p for color in self.colors for p in self.prompts_for(color))


# pick_color's phrasings, "{color}" for the named cube; pick_yellow says them of its yellow one.
PICK_PROMPTS = (
    "pick up the {color} cube",
    "grab the {color} cube",
    "lift the {color} block",
    "pick the {color} cube up with the right arm",
    "take the {color} one",
)

TASKS = {
    "transfer_cube": Task(
        name="transfer_cube",
        prompts=(
            "pick up the cube with the right arm and hand it to the left arm",
            "transfer the cube from the right arm to the left arm",
            "hand the cube over to the left gripper",
            "pass the cube from right to left",
        ),
        episode_steps=400,
        sample_layout=layouts.transfer_cube_layout,
        is_success=rules.transfer_cube_success,
        stages=rules.TRANSFER_CUBE_STAGES,
        stage=rules.transfer_cube_stage,
        objects=("cube", "block"),
    ),
    "insertion": Task(
        name="insertion",
        prompts=(
            "insert the peg into the socket",
            "pick up the peg and the socket and put the peg in the socket",
            "put the red peg into the blue socket",
            "use both arms to insert the peg into the socket",
        ),
        episode_steps=400,
        sample_layout=layouts.insertion_layout,
        is_success=rules.insertion_success,
        stages=rules.INSERTION_STAGES,
        stage=rules.insertion_stage,
        objects=("peg", "socket"),
    ),
    "pick_color": Task(
        name="pick_color",
        prompts=PICK_PROMPTS,
        episode_steps=300,
        sample_layout=layouts.pick_color_layout,
        is_success=rules.pick_color_success,
        stages=rules.PICK_COLOR_STAGES,
        stage=rules.pick_color_stage,
        colors=layouts.COLORS,
    ),
    "pick_yellow": Task(
        name="pick_yellow",
        prompts=PICK_PROMPTS,
        episode_steps=300,
        sample_layout=layouts.pick_yellow_layout,
        is_success=rules.pick_yellow_success,
        stages=rules.PICK_COLOR_STAGES,
        stage=rules.pick_color_stage,
        colors=("yellow",),  # the red and green cubes are never named
    ),
    "place_cube": Task(
        name="place_cube",
        prompts=(
            "put the red cube on the yellow square",
            "place the cube in the yellow square",
            "move the red cube onto the yellow mark",
            "set the cube down on the yellow square",
        ),
        episode_steps=350,
        sample_layout=layouts.place_cube_layout,
        is_success=rules.place_cube_success,
        stages=rules.PLACE_CUBE_STAGES,
        stage=rules.place_cube_stage,
        objects=("cube", "square", "mark"),
    ),
}


def get_task(name: str) -> Task:
    """The task called `name`, or a ValueError that lists the known tasks."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}") from None
