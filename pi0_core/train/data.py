"""Recorded episodes as model-ready batches, in an order a resumed run can repeat."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from pi0_core.adapters import IdentityAdapter
from pi0_core.spec import PolicySpec
from pi0_core.tokenizer import PromptTokenizer
from pi0_core.transforms import (
    MODEL_KEYS,
    Normalize,
    PadToDim,
    PrepareImages,
    TokenizePrompt,
    collate,
    compose,
)

TRAIN_KEYS = (*MODEL_KEYS, "actions", "action_mask")


def training_transform(
    spec: PolicySpec,
    tokenizer: PromptTokenizer,
    tokens_per_image: int,
    image_token_id: int,
    adapter: IdentityAdapter,
):
    """Dataset item -> model inputs plus normalised, padded `actions` and `action_mask`."""
    stats = spec.stats
    to_model = compose(
        [
            PrepareImages(spec.cameras, spec.image_size, spec.crops),
            Normalize("state", stats.state_mean, stats.state_std),
            Normalize("actions", stats.action_mean, stats.action_std),
            PadToDim("state", spec.max_dim),
            PadToDim("actions", spec.max_dim),
            TokenizePrompt(tokenizer, spec.token_budget, tokens_per_image, image_token_id),
        ]
    )

    def transform(item: dict) -> dict:
        item = adapter.observation(item)
        item = {**item, "actions": adapter.training_actions(item["actions"])}
        sample = to_model(item)
        sample["action_mask"] = torch.as_tensor(np.asarray(item["action_mask"], dtype=bool))
        return sample

    return transform


class TransformedDataset(Dataset):
    """A dataset whose items pass through `transform` (in the DataLoader workers)."""

    def __init__(self, dataset: Dataset, transform) -> None:
        self.dataset = dataset
        self.transform = transform

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        return self.transform(self.dataset[index])


def collate_training(samples: Sequence[dict]) -> dict[str, torch.Tensor]:
    """Stack model inputs, actions and masks."""
    return collate(samples, TRAIN_KEYS)


class ResumableSampler(Sampler[int]):
    """Endless shuffled epochs, split between processes, that can start mid-way.

    Epoch e is a permutation drawn from (seed, e); process `rank` of `world` takes every
    world-th index. `start` skips that many of this process's indices, so a run resumed at
    step s with batch size b starts at s * b and sees the same samples as an unbroken run.
    """

    def __init__(self, size: int, seed: int, rank: int = 0, world: int = 1, start: int = 0):
        if size < 1:
            raise ValueError("the dataset is empty")
        self.size, self.seed, self.rank, self.world, self.start = size, seed, rank, world, start

    def _epoch(self, epoch: int) -> list[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        order = torch.randperm(self.size, generator=generator).tolist()
        per_rank = max(1, self.size // self.world)  # equal share: ranks stay in lockstep
        return order[self.rank :: self.world][:per_rank]

    def __iter__(self) -> Iterator[int]:
        position, epoch = self.start, 0
        while True:
            indices = self._epoch(epoch)
            if position < len(indices):
                yield from indices[position:]
                position = 0
            else:
                position -= len(indices)
            epoch += 1

    def __len__(self) -> int:
        return 2**62  # endless: training stops by step count
