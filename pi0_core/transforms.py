"""Small composable input/output transforms, each a callable on one sample dict.

A sample is `{"images": {cam: (H, W, 3) uint8}, "state": (D,), "prompt": str}`, plus
`"actions"` (chunk, D) and `"action_mask"` (chunk,) during training. Transforms add the model's
inputs to it: `pixel_values`, `image_mask`, `input_ids`, `attention_mask`, padded `state`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from pi0_core.tokenizer import PromptTokenizer

log = logging.getLogger(__name__)

Sample = dict
Transform = Callable[[Sample], Sample]


def compose(transforms: Sequence[Transform]) -> Transform:
    """Apply `transforms` left to right."""

    def apply(sample: Sample) -> Sample:
        for transform in transforms:
            sample = transform(sample)
        return sample

    return apply


Crop = tuple[float, float, float, float]  # (top, left, bottom, right), fractions of the image


def check_crop(camera: str, crop: Sequence[float]) -> Crop:
    """A valid (top, left, bottom, right) region as floats, else a one-line ValueError."""
    if len(crop) != 4:
        raise ValueError(f"crop of {camera} needs 4 numbers (top,left,bottom,right), got {crop}")
    top, left, bottom, right = (float(v) for v in crop)
    if not (0 <= top < bottom <= 1 and 0 <= left < right <= 1):
        raise ValueError(
            f"crop of {camera} must satisfy 0 <= top < bottom <= 1 and 0 <= left < right <= 1, "
            f"got {crop}"
        )
    return top, left, bottom, right


def crop_image(image: np.ndarray, crop: Crop) -> np.ndarray:
    """The (top, left, bottom, right) fraction of an (H, W, 3) image; at least one pixel."""
    height, width = image.shape[:2]
    top, left, bottom, right = crop
    y0, x0 = min(round(top * height), height - 1), min(round(left * width), width - 1)
    y1, x1 = max(round(bottom * height), y0 + 1), max(round(right * width), x0 + 1)
    return image[y0:y1, x0:x1]


def resize_with_pad(image: np.ndarray, size: int) -> torch.Tensor:
    """(H, W, 3) uint8 -> (3, size, size) float in [0, 255]: keep the aspect ratio, pad with 0."""
    height, width = image.shape[:2]
    scale = size / max(height, width)
    new_h, new_w = max(1, round(height * scale)), max(1, round(width * scale))
    pixels = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()
    if (new_h, new_w) != (height, width):
        pixels = (
            F.interpolate(
                pixels[None],
                size=(new_h, new_w),
                mode="bilinear",
                antialias=True,
                align_corners=False,
            )[0]
            .clamp(0, 255)
            .round()
        )  # as if resized in uint8, like the camera pipeline
    top, left = (size - new_h) // 2, (size - new_w) // 2
    return F.pad(pixels, (left, size - new_w - left, top, size - new_h - top))


@dataclass
class PrepareImages:
    """Cameras in checkpoint order, cropped, resized with padding and scaled to [-1, 1].

    A missing camera becomes a zero image with `image_mask` False (logged once per name).
    """

    cameras: tuple[str, ...]  # the order the model was trained with
    size: int  # square side of the vision tower's input
    crops: dict[str, Crop] | None = None  # camera -> region the model sees (default: all)
    _warned: set = field(default_factory=set, repr=False)

    def __call__(self, sample: Sample) -> Sample:
        images = sample["images"]
        pixels, mask = [], []
        for camera in self.cameras:
            image = images.get(camera)
            if image is None:
                if camera not in self._warned:
                    self._warned.add(camera)
                    log.warning("camera %s is missing: zero-filled and masked out", camera)
                pixels.append(torch.zeros(3, self.size, self.size))
                mask.append(False)
                continue
            crop = (self.crops or {}).get(camera)
            if crop is not None:
                image = crop_image(image, crop)
            pixels.append(resize_with_pad(image, self.size) / 127.5 - 1.0)
            mask.append(True)
        return {**sample, "pixel_values": torch.stack(pixels), "image_mask": torch.tensor(mask)}


@dataclass(frozen=True)
class Normalize:
    """(x - mean) / (max(std, min_std) + eps) on one key; the inverse is `Unnormalize`.

    The floor keeps a joint that barely moved in the demonstrations from blowing up at run time;
    openpi's and LeRobot's statistics come with floor 0 and their own eps instead.
    """

    key: str  # "state" or "actions"
    mean: np.ndarray  # (D,)
    std: np.ndarray  # (D,)
    min_std: float = 1e-2
    eps: float = 0.0

    def __call__(self, sample: Sample) -> Sample:
        values = np.asarray(sample[self.key], dtype=np.float32)
        if values.shape[-1] != len(self.mean):
            raise ValueError(f"{self.key} has {values.shape[-1]} values, expected {len(self.mean)}")
        scale = np.maximum(self.std, self.min_std) + self.eps
        return {**sample, self.key: ((values - self.mean) / scale).astype(np.float32)}


@dataclass(frozen=True)
class Unnormalize:
    """x * (max(std, min_std) + eps) + mean on one key, undoing `Normalize`."""

    key: str
    mean: np.ndarray
    std: np.ndarray
    min_std: float = 1e-2
    eps: float = 0.0

    def __call__(self, sample: Sample) -> Sample:
        values = np.asarray(sample[self.key], dtype=np.float32)
        scale = np.maximum(self.std, self.min_std) + self.eps
        return {**sample, self.key: (values * scale + self.mean).astype(np.float32)}


@dataclass(frozen=True)
class PadToDim:
    """Zero-pad the last axis of `key` to `dim` (the model's max_state_dim / max_action_dim)."""

    key: str
    dim: int

    def __call__(self, sample: Sample) -> Sample:
        values = torch.as_tensor(np.asarray(sample[self.key], dtype=np.float32))
        if values.shape[-1] > self.dim:
            raise ValueError(
                f"{self.key} has {values.shape[-1]} values, the model takes {self.dim}"
            )
        return {**sample, self.key: F.pad(values, (0, self.dim - values.shape[-1]))}


@dataclass(frozen=True)
class Unpad:
    """Keep the first `dim` entries of the last axis of `key`."""

    key: str
    dim: int

    def __call__(self, sample: Sample) -> Sample:
        return {**sample, self.key: sample[self.key][..., : self.dim]}


def clean_prompt(prompt: str) -> str:
    """Trim, turn underscores and newlines into spaces, collapse runs of spaces."""
    return re.sub(r"\s+", " ", prompt.replace("_", " ")).strip()


@dataclass
class TokenizePrompt:
    """`input_ids` = image placeholders, BOS, text, newline, padding up to the token budget.

    The attention mask hides padding and the placeholders of masked cameras. A prompt longer
    than the budget is truncated, with a warning once per distinct prompt.
    """

    tokenizer: PromptTokenizer
    token_budget: int  # BOS + text + newline + padding
    tokens_per_image: int  # placeholders per camera
    image_token_id: int  # placeholder id the network replaces by image features
    _warned: set = field(default_factory=set, repr=False)

    def __call__(self, sample: Sample) -> Sample:
        text = clean_prompt(sample.get("prompt") or "")
        text_ids = self.tokenizer.encode(text)
        newline = self.tokenizer.encode("\n")
        room = self.token_budget - 1 - len(newline)
        if len(text_ids) > room:
            if text not in self._warned:
                self._warned.add(text)
                log.warning(
                    "prompt is %d tokens, over the budget of %d: truncated to %r",
                    len(text_ids),
                    room,
                    text[:room],
                )
            text_ids = text_ids[:room]
        prompt_ids = [self.tokenizer.bos_id, *text_ids, *newline]
        padding = self.token_budget - len(prompt_ids)
        image_mask = sample["image_mask"]
        image_ids = torch.full((len(image_mask) * self.tokens_per_image,), self.image_token_id)
        image_attention = image_mask.repeat_interleave(self.tokens_per_image).long()
        ids = torch.cat([image_ids, torch.tensor(prompt_ids + [self.tokenizer.pad_id] * padding)])
        attention = torch.cat(
            [
                image_attention,
                torch.ones(len(prompt_ids), dtype=torch.long),
                torch.zeros(padding, dtype=torch.long),
            ]
        )
        return {**sample, "input_ids": ids.long(), "attention_mask": attention.long()}


MODEL_KEYS = ("pixel_values", "image_mask", "input_ids", "attention_mask", "state")


def collate(samples: Sequence[Sample], keys: Sequence[str] = MODEL_KEYS) -> dict[str, torch.Tensor]:
    """Stack the model inputs of several transformed samples into a batch."""
    return {key: torch.stack([torch.as_tensor(s[key]) for s in samples]) for key in keys}


def model_inputs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Keyword arguments for PI0ForConditionalGeneration from a collated batch.

    Every camera slot keeps its placeholders so all samples have one layout; a masked camera is
    hidden through the attention mask, hence `pixel_attention_mask` is all true.
    """
    pixel_values = batch["pixel_values"]
    return {
        "input_ids": batch["input_ids"],
        "attention_mask": batch["attention_mask"],
        "pixel_values": pixel_values,
        "pixel_attention_mask": torch.ones(pixel_values.shape[:2], dtype=torch.bool),
        "state": batch["state"],
    }
