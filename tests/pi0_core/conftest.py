"""Small π0 networks and observations shared by the pi0_core tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from pi0_core.model import build_model
from pi0_core.policy import Policy
from pi0_core.presets import ModelPreset, TransformerSize, get_preset
from pi0_core.spec import PolicySpec
from pi0_core.tokenizer import ByteTokenizer
from pi0_core.train.config import TrainConfig
from recordings.stats import NormStats

CAMERAS = ("cam_high", "cam_left_wrist")
STATE_DIM = 14

# Smaller than `tiny`, so each test runs in a second or two on one core.
MICRO = replace(
    get_preset("tiny"),
    name="micro",
    image_size=32,
    patch_size=8,
    token_budget=24,
    vision=TransformerSize(32, 1, 2, 64, num_kv_heads=2),
    language=TransformerSize(32, 2, 2, 64, num_kv_heads=1, head_dim=16),
    expert=TransformerSize(32, 2, 2, 64, num_kv_heads=1, head_dim=16),
    chunk_size=10,
)

# Wider, for the overfitting test: a 32-wide network needs thousands of steps to memorise.
WIDE = replace(
    MICRO,
    name="wide",
    vision=TransformerSize(128, 1, 2, 256, num_kv_heads=2),
    language=TransformerSize(128, 2, 2, 256, num_kv_heads=1, head_dim=16),
    expert=TransformerSize(128, 2, 2, 256, num_kv_heads=1, head_dim=16),
)


def train_config(data: Path, out: Path, init: Path, **overrides) -> TrainConfig:
    """A few quick steps of training from `init` on `data`, with `overrides`."""
    base = TrainConfig(
        data=(str(data),),
        out=str(out),
        init=str(init),
        stats="data",  # the micro checkpoints' statistics are arbitrary, not the test episodes'
        steps=12,
        batch_size=4,
        lr=1e-3,
        warmup_steps=2,
        num_workers=0,
        threads=1,
        log_every=1,
        save_every=1000,
    )
    return replace(base, **overrides)


@pytest.fixture(autouse=True)
def _one_thread() -> None:
    torch.set_num_threads(1)


def make_stats(dim: int = STATE_DIM, seed: int = 0) -> NormStats:
    """Arbitrary but fixed statistics."""
    rng = np.random.default_rng(seed)
    mean, std = rng.normal(size=dim), rng.uniform(0.5, 2.0, size=dim)
    return NormStats(mean, std, mean - 2 * std, mean + 2 * std, -mean, 2 * std, -mean - std, std)


def make_policy(
    seed: int = 0, cameras: tuple[str, ...] = CAMERAS, preset: ModelPreset = MICRO
) -> Policy:
    """A randomly initialised policy of a test-sized preset."""
    tokenizer = ByteTokenizer()
    model = build_model(preset, tokenizer.vocab_size, seed=seed)
    spec = PolicySpec(
        preset=MICRO.name,
        cameras=cameras,
        state_dim=STATE_DIM,
        action_dim=STATE_DIM,
        image_size=MICRO.image_size,
        token_budget=MICRO.token_budget,
        chunk_size=MICRO.chunk_size,
        max_dim=MICRO.max_dim,
        tokenizer=tokenizer.kind,
        stats=make_stats(),
    )
    return Policy(model, tokenizer, spec, name="micro")


def make_observation(seed: int = 0, size: tuple[int, int] = (24, 32), prompt: str = "pick") -> dict:
    """Random images for every camera, a random state and a prompt."""
    rng = np.random.default_rng(seed)
    images = {cam: rng.integers(0, 256, size=(*size, 3), dtype=np.uint8) for cam in CAMERAS}
    return {"images": images, "state": rng.normal(size=STATE_DIM), "prompt": prompt}


def make_noise(seed: int = 0) -> np.ndarray:
    """(chunk, 32) standard normal noise."""
    return np.random.default_rng(seed).normal(size=(MICRO.chunk_size, MICRO.max_dim))


@pytest.fixture
def policy() -> Policy:
    return make_policy()


@pytest.fixture(scope="session")
def micro_init(tmp_path_factory) -> Path:
    """A freshly initialised micro network saved as a checkpoint, to train with --init."""
    return make_policy().save(tmp_path_factory.mktemp("init") / "micro")
