"""Image augmentation for robot data, in plain torch on whole batches.

Fixed cameras get a small random crop and rotation (the scene may shift a little between
sessions); wrist cameras move with the gripper, so geometric changes would teach nothing.
All cameras get colour jitter (lighting changes). The robot state can be hidden at random.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the random changes."""

    min_zoom: float = 0.9  # crop side as a fraction of the image side
    max_degrees: float = 5.0  # rotation either way
    brightness: float = 0.3  # multiply by 1 +- this
    contrast: float = 0.4
    saturation: float = 0.5


def _uniform(shape: tuple[int, ...], low: float, high: float, generator: torch.Generator):
    return low + (high - low) * torch.rand(shape, generator=generator)


def crop_and_rotate(
    images: torch.Tensor, config: AugmentConfig, generator: torch.Generator
) -> torch.Tensor:
    """(N, 3, S, S) -> same shape: zoom in on a random window, rotated a few degrees."""
    n = images.shape[0]
    zoom = _uniform((n,), config.min_zoom, 1.0, generator)
    angle = _uniform((n,), -config.max_degrees, config.max_degrees, generator) * math.pi / 180
    shift = _uniform((n, 2), -1.0, 1.0, generator) * (1 - zoom)[:, None]
    cos, sin = torch.cos(angle) * zoom, torch.sin(angle) * zoom
    theta = torch.stack(
        [torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1
    ).to(images.device, images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="border", align_corners=False)


def colour_jitter(
    images: torch.Tensor, config: AugmentConfig, generator: torch.Generator
) -> torch.Tensor:
    """(N, 3, S, S) in [-1, 1]: random brightness, contrast and saturation."""
    n = images.shape[0]

    def factor(spread: float) -> torch.Tensor:
        draw = _uniform((n, 1, 1, 1), 1 - spread, 1 + spread, generator)
        return draw.to(images.device, images.dtype)

    x = (images + 1) / 2
    x = x * factor(config.brightness)
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    x = (x - mean) * factor(config.contrast) + mean
    gray = x.mean(dim=1, keepdim=True)
    x = (x - gray) * factor(config.saturation) + gray
    return x.clamp(0, 1) * 2 - 1


def augment_batch(
    pixel_values: torch.Tensor,
    cameras: tuple[str, ...],
    generator: torch.Generator,
    config: AugmentConfig = AugmentConfig(),  # noqa: B008 (frozen, never mutated)
    geometric: bool = True,
) -> torch.Tensor:
    """(B, C, 3, S, S) pixel values, camera c named cameras[c] -> augmented copy.

    `geometric` False leaves out the crop and rotation: for a camera that never moves (a
    simulator's), where they only blur where things are.
    """
    out = pixel_values.clone()
    for index, camera in enumerate(cameras):
        view = out[:, index]
        if geometric and "wrist" not in camera:
            view = crop_and_rotate(view, config, generator)
        out[:, index] = colour_jitter(view, config, generator)
    return out


def drop_state(state: torch.Tensor, probability: float, generator: torch.Generator) -> torch.Tensor:
    """(B, D) normalised states, each replaced by zeros (the data's mean) with `probability`.

    Without it a policy can read where the arm is heading from where it already is, and learn
    to look at the cameras only in the first steps of an episode; hiding the state now and then
    makes the images carry the task on every sample.
    """
    hidden = (torch.rand(state.shape[0], generator=generator) < probability).to(state.device)
    return torch.where(hidden[:, None], torch.zeros_like(state), state)
