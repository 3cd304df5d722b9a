"""Does a policy head for the object its prompt names? (pick_color's colours)

Each seeded layout is prompted once per colour, with the same sampling noise. The scripted
expert, run without rendering, shows where the right arm would be `step` steps in for each
colour; the policy's first chunk at that step is matched to the nearest of them (right arm
joints, radians). A policy that follows the prompt fills the diagonal of the matrix; one that
ignores it heads for the same cube whatever colour is named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from drivers.arm import ARM_DOF
from drivers.sim.evaluate import render_size_for
from drivers.sim.scripted import make_demonstrator
from drivers.sim.tasks import get_task
from drivers.sim.world import AlohaSim

RIGHT_ARM = slice(ARM_DOF, 2 * ARM_DOF - 1)  # the right arm's joints, not its gripper


@dataclass(frozen=True)
class BindingReport:
    """Counts of (colour named, colour whose expert the policy's chunk is nearest)."""

    task: str
    colors: tuple[str, ...]
    step: int  # the chunk step compared
    matrix: np.ndarray  # (colours, colours) counts; rows named, columns nearest

    @property
    def correct(self) -> int:
        """Prompts whose chunk is nearest the named colour's expert."""
        return int(np.trace(self.matrix))

    @property
    def total(self) -> int:
        """Prompts tried: layouts x colours."""
        return int(self.matrix.sum())

    def summary(self) -> dict:
        """The report as JSON-ready values."""
        return {
            "task": self.task,
            "step": self.step,
            "named_correct": self.correct,
            "prompts": self.total,
            "colors": list(self.colors),
            "matrix": self.matrix.tolist(),
        }


def check_binding(
    policy: object,
    layouts: int,
    seed: int,
    step: int | None = None,
    noise_seed: int = 0,
    task: str = "pick_color",
    phrase: Callable[[str, str, int], str] | None = None,
) -> BindingReport:
    """Prompt each of `layouts` seeded layouts (`seed, seed + 1, ...`) with every colour.

    phrase(canonical prompt, colour, layout seed): the phrasing to prompt with instead of the
    canonical one (`binding --prompts`)."""
    spec = get_task(task)
    if not spec.colors:
        raise ValueError(f"task {spec.name!r} names no colours; the check needs pick_color")
    if layouts < 1:
        raise ValueError(f"--layouts must be at least 1, got {layouts}")
    chunk = int(policy.chunk_size)
    step = chunk - 1 if step is None else step
    if not 0 <= step < chunk:
        raise ValueError(f"--step must be in [0, {chunk - 1}], got {step}")
    height, width = render_size_for(policy)
    generator = torch.Generator().manual_seed(noise_seed)
    matrix = np.zeros((len(spec.colors), len(spec.colors)), dtype=int)
    with AlohaSim(spec, seed) as sim:
        for layout_seed in range(seed, seed + layouts):
            experts = np.stack(
                [expert_action(sim, layout_seed, color, step) for color in spec.colors]
            )
            sim.reset(layout_seed)
            observation = {
                "images": {cam: sim.render(cam, height, width) for cam in policy.cameras},
                "state": sim.qpos(),
            }
            noise = torch.randn(chunk, policy.spec.max_dim, generator=generator)
            for named, color in enumerate(spec.colors):
                prompt = spec.prompts_for(color)[0]
                if phrase is not None:
                    prompt = phrase(prompt, color, layout_seed)
                action = policy.infer({**observation, "prompt": prompt}, noise=noise)[step]
                distance = np.abs(experts[:, RIGHT_ARM] - action[RIGHT_ARM]).sum(axis=1)
                matrix[named, int(np.argmin(distance))] += 1
    return BindingReport(spec.name, spec.colors, step, matrix)


def expert_action(sim: AlohaSim, seed: int, color: str, step: int) -> np.ndarray:
    """The scripted expert's action at `step` in layout `seed` when `color` is the target."""
    sim.reset(seed)
    sim.target_color = color
    expert = make_demonstrator(sim)
    for t in range(step + 1):
        action = expert(t)
        sim.set_action(action)
        sim.step()
    return action
