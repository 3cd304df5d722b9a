"""Recorded episodes as model-ready batches, in an order a resumed run can repeat."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from pi0_core.adapters import IdentityAdapter, make_adapter
from pi0_core.model import image_token_id, tokens_per_image
from pi0_core.spec import PolicySpec
from pi0_core.tokenizer import PromptTokenizer
from pi0_core.train.config import TrainConfig
from pi0_core.train.distill import STUDENT_KEYS, TEACHER_KEYS
from pi0_core.train.objects import ObjectTargets
from pi0_core.transforms import (
    MODEL_KEYS,
    Normalize,
    PadToDim,
    PrepareImages,
    TokenizePrompt,
    collate,
    compose,
)
from recordings import layout
from recordings.dataset import EpisodeDataset

TRAIN_KEYS = (*MODEL_KEYS, "actions", "action_mask")
OBJECT_KEYS = ("object_target", "object_mask")  # with an auxiliary object-position loss
NAMED_KEYS = ("named_target", "named_mask")  # with the auxiliary loss on the named object
CLOSING_STEP = 1e-3  # a gripper action falling by more than this in one step is closing


def training_transform(
    spec: PolicySpec,
    tokenizer: PromptTokenizer,
    tokens_per_image: int,
    image_token_id: int,
    adapter: IdentityAdapter,
    objects: ObjectTargets | None = None,
    named: bool = False,
    rephrase: Callable[[str], str] | None = None,
    student_rephrase: Callable[[str], str] | None = None,
    teacher_view: Callable[[dict], tuple[dict, dict]] | None = None,
):
    """Dataset item -> model inputs plus normalised, padded `actions` and `action_mask`.

    With `objects`, also the normalised object positions and their mask (OBJECT_KEYS); with
    `named` too, the position of the object the prompt names and its mask (NAMED_KEYS).
    `rephrase`: a new phrasing of the sample's prompt (`--prompt-augment`), drawn first.
    `student_rephrase` (`--prompt-distill`): the model inputs keep the recorded prompt, and
    STUDENT_KEYS hold the tokens of a new phrasing of it.
    `teacher_view` (`--teach-as`): item -> (the student's item, the teacher's); the model
    inputs are the student's, TEACHER_KEYS the images and prompt tokens of the teacher's.
    """
    stats = spec.stats
    tokenize = TokenizePrompt(tokenizer, spec.token_budget, tokens_per_image, image_token_id)
    to_model = compose(
        [
            PrepareImages(spec.cameras, spec.image_size, spec.crops),
            Normalize("state", stats.state_mean, stats.state_std, spec.std_floor, spec.std_eps),
            Normalize("actions", stats.action_mean, stats.action_std, spec.std_floor, spec.std_eps),
            PadToDim("state", spec.max_dim),
            PadToDim("actions", spec.max_dim),
            tokenize,
        ]
    )

    def prepare(item: dict) -> tuple[dict, dict]:
        item = adapter.observation(item)
        item = {**item, "actions": adapter.training_actions(item["actions"], item["state"])}
        return item, to_model(item)

    def transform(item: dict) -> dict:
        if rephrase is not None:
            item = {**item, "prompt": rephrase(item["prompt"])}
        shown = None
        if teacher_view is not None:
            item, shown = teacher_view(item)
        student = item
        item, sample = prepare(item)
        if shown is not None:
            # most rehearsed samples look the same to both: their tensors are not made twice
            view = sample if shown is student else prepare(shown)[1]
            for key in TEACHER_KEYS:
                sample[key] = view[key.removeprefix("teacher_")]
        sample["action_mask"] = torch.as_tensor(np.asarray(item["action_mask"], dtype=bool))
        if student_rephrase is not None:
            prompt = {
                "prompt": student_rephrase(item["prompt"]),
                "image_mask": sample["image_mask"],
            }
            student = tokenize(prompt)
            for key, name in zip(STUDENT_KEYS, ("input_ids", "attention_mask"), strict=True):
                sample[key] = student[name]
        if objects is not None:
            sample["object_target"], sample["object_mask"] = objects.encode(item["object_poses"])
            if named:
                sample["named_target"], sample["named_mask"] = objects.encode_named(
                    item["object_poses"], item["prompt"]
                )
        return sample

    return transform


def network_transform(spec: PolicySpec, tokenizer: PromptTokenizer, network, **options):
    """`training_transform` for `network` (its image tokens) and `spec` (its convention's
    adapter); `options` are training_transform's own."""
    adapter = make_adapter(spec.adapter)
    return training_transform(
        spec, tokenizer, tokens_per_image(network), image_token_id(network), adapter, **options
    )


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
    """Stack model inputs, actions and masks (and object targets, the re-phrased prompt's
    tokens and the teacher's view when the samples have them)."""
    keys = OBJECT_KEYS + NAMED_KEYS + STUDENT_KEYS + TEACHER_KEYS
    extra = tuple(key for key in keys if key in samples[0])
    return collate(samples, TRAIN_KEYS + extra)


class ResumableSampler(Sampler[int]):
    """Endless shuffled epochs, split between processes, that can start mid-way.

    Epoch e is a permutation drawn from (seed, e); process `rank` of `world` takes every
    world-th index. `start` skips that many of this process's indices, so a run resumed at
    step s with batch size b starts at s * b and sees the same samples as an unbroken run.
    With `weights` (one per index), an epoch is instead `size` draws with replacement, each
    index drawn in proportion to its weight.
    """

    def __init__(
        self,
        size: int,
        seed: int,
        rank: int = 0,
        world: int = 1,
        start: int = 0,
        weights: np.ndarray | None = None,
    ):
        if size < 1:
            raise ValueError("the dataset is empty")
        if weights is not None and (len(weights) != size or not np.all(np.asarray(weights) > 0)):
            raise ValueError(f"sampling weights must be {size} positive numbers")
        self.size, self.seed, self.rank, self.world, self.start = size, seed, rank, world, start
        self.weights = None if weights is None else torch.as_tensor(weights, dtype=torch.float64)

    def _epoch(self, epoch: int) -> list[int]:
        generator = torch.Generator().manual_seed(self.seed * 100_003 + epoch)
        if self.weights is None:
            order = torch.randperm(self.size, generator=generator).tolist()
        else:
            draws = torch.multinomial(self.weights, self.size, True, generator=generator)
            order = draws.tolist()
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


def sampling_weights(dataset: EpisodeDataset, config: TrainConfig) -> np.ndarray | None:
    """One weight per sample from --start-weight and --grasp-weight (the larger where both
    apply), or None when every sample is drawn equally often."""
    lengths = dataset.episode_lengths
    weights = np.ones(sum(lengths))
    if config.start_weight > 1:
        weights = np.maximum(
            weights, start_weights(lengths, config.start_steps, config.start_weight)
        )
    if config.grasp_weight > 1:
        if dataset.action_dim != layout.STATE_DIM:
            raise ValueError(
                f"--grasp-weight needs ALOHA's {layout.STATE_DIM} action values with the grippers "
                f"at {list(layout.GRIPPER_COLUMNS)}; these episodes have {dataset.action_dim}"
            )
        actions = [dataset.episode_actions(e) for e in range(len(lengths))]
        grasps = grasp_weights(
            actions, layout.GRIPPER_COLUMNS, config.grasp_steps, config.grasp_weight
        )
        weights = np.maximum(weights, grasps)
    return None if (weights == 1).all() else weights


def start_weights(lengths: Sequence[int], start_steps: int, start_weight: float) -> np.ndarray:
    """One sampling weight per (episode, step): `start_weight` in each episode's first steps."""
    return np.concatenate(
        [np.where(np.arange(n) < start_steps, start_weight, 1.0) for n in lengths]
    )


def grasp_weights(
    actions: Sequence[np.ndarray], grippers: Sequence[int], window: int, weight: float
) -> np.ndarray:
    """One sampling weight per (episode, step): `weight` where a gripper closes within `window`.

    `actions` holds each episode's (T, dims) actions, and `grippers` their gripper columns, where
    larger is more open. A step t is weighted when a commanded gripper closes between t and
    t + window, i.e. when the chunk drawn at t shows the grasp.
    """
    out = []
    for action in actions:
        grip = np.asarray(action, dtype=np.float64)[:, list(grippers)]
        closing = (np.diff(grip, axis=0) < -CLOSING_STEP).any(axis=1)  # (T - 1,) t -> t + 1
        # closings in [t, t + window), from a running count
        count = np.concatenate([[0], np.cumsum(closing)])  # (T,)
        t = np.arange(len(action))
        ahead = count[np.minimum(t + window, len(count) - 1)] - count[t]
        out.append(np.where(ahead > 0, weight, 1.0))
    return np.concatenate(out) if out else np.zeros(0)
