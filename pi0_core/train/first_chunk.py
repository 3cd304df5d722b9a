"""Does a policy's first chunk follow what its demonstrations did from the same start?

Every episode of a simulated task starts from the same arm pose, so the first chunk is where
the cameras alone tell the policy where to go. This check feeds the first observation of
each recorded episode to the policy, draws a few chunks with random noise, and compares the
joint targets at one step of the chunk with the demonstration's actions at that step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from recordings import layout
from recordings.sources import find_episodes, open_episode

MIN_SPREAD = 0.01  # rad: joints whose demonstrated target barely varies say nothing


@dataclass(frozen=True)
class JointAgreement:
    """How one joint's predicted targets compare with the demonstrations', across episodes."""

    joint: str
    correlation: float  # of one draw per episode with the demonstration (0: policy constant)
    mean_error: float  # mean |one draw - demonstration|
    demo_std: float  # spread of the demonstrated targets across episodes
    policy_std: float  # spread of the policy's one-draw targets across episodes


def first_chunk_agreement(
    policy: object,
    data: Sequence[Path | str],
    episodes: int = 20,
    step: int | None = None,
    seed: int = 0,
    camera_map: dict[str, str] | None = None,
) -> list[JointAgreement]:
    """Agreement per joint whose demonstrated target varies, over the first `episodes` files.

    `step` is the chunk step compared (default: the chunk's last). Noise is drawn from `seed`.
    """
    step = policy.chunk_size - 1 if step is None else step
    if not 0 <= step < policy.chunk_size:
        raise ValueError(f"--step must be in [0, {policy.chunk_size - 1}], got {step}")
    if episodes < 2:
        raise ValueError(f"--episodes must be at least 2 to measure a spread, got {episodes}")
    paths = find_episodes([Path(p) for p in data], camera_map)[:episodes]
    if len(paths) < 2:
        raise ValueError(f"{len(paths)} episode(s) found; the check needs at least 2")
    generator = torch.Generator().manual_seed(seed)
    predicted, demonstrated = [], []
    for path in paths:
        with open_episode(path) as reader:
            if len(reader) <= step:
                raise ValueError(f"{path} has {len(reader)} steps; the check compares step {step}")
            observation = {
                "images": {cam: reader.images(cam, 0) for cam in policy.cameras},
                "state": reader.array(layout.QPOS)[0],
                "prompt": reader.prompt,
            }
            demonstrated.append(reader.array(layout.ACTION)[step])
        noise = torch.randn(policy.chunk_size, policy.spec.max_dim, generator=generator)
        predicted.append(policy.infer(observation, noise=noise)[step])
    return _per_joint(np.array(predicted), np.array(demonstrated))


def _per_joint(predicted: np.ndarray, demonstrated: np.ndarray) -> list[JointAgreement]:
    names = layout.JOINT_NAMES if demonstrated.shape[1] == layout.STATE_DIM else None
    rows = []
    for j in range(demonstrated.shape[1]):
        spread = float(demonstrated[:, j].std())
        if spread < MIN_SPREAD:
            continue
        guess = predicted[:, j]
        correlation = float(np.corrcoef(guess, demonstrated[:, j])[0, 1]) if guess.std() else 0.0
        rows.append(
            JointAgreement(
                joint=names[j] if names else f"joint_{j}",
                correlation=correlation,
                mean_error=float(np.abs(guess - demonstrated[:, j]).mean()),
                demo_std=spread,
                policy_std=float(guess.std()),
            )
        )
    return rows


def as_dicts(rows: Sequence[JointAgreement]) -> list[dict]:
    """Rows as JSON-ready dictionaries."""
    return [asdict(row) for row in rows]
