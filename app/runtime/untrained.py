"""An untrained tiny π0: the real network and compute, random weights, for benchmarks and tests."""

from __future__ import annotations

import numpy as np

from app.runtime.robots import DEFAULT_CAMERAS


def untrained_tiny_policy(
    cameras: tuple[str, ...] = DEFAULT_CAMERAS, device: str | None = None, seed: int = 0
):
    """A `pi0_core.policy.Policy` of the tiny preset with random weights; actions stay near 0."""
    from pi0_core.model import build_model
    from pi0_core.policy import Policy
    from pi0_core.presets import get_preset
    from pi0_core.spec import PolicySpec
    from pi0_core.tokenizer import ByteTokenizer
    from recordings.stats import NormStats

    preset, tokenizer = get_preset("tiny"), ByteTokenizer()
    zero, small = np.zeros(14, np.float32), np.full(14, 0.05, np.float32)
    # Small action std: random outputs become gentle motions around the zero pose.
    stats = NormStats(zero, small, zero - small, zero + small, zero, small, zero - small, small)
    spec = PolicySpec(
        preset=preset.name,
        cameras=tuple(cameras),
        state_dim=14,
        action_dim=14,
        image_size=preset.image_size,
        token_budget=preset.token_budget,
        chunk_size=preset.chunk_size,
        max_dim=preset.max_dim,
        tokenizer=tokenizer.kind,
        stats=stats,
    )
    model = build_model(preset, tokenizer.vocab_size, seed=seed)
    if device:
        model = model.to(device)
    return Policy(model, tokenizer, spec, name="untrained-tiny")
