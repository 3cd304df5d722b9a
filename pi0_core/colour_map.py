"""A learned colour map in front of the vision tower (`train --teach-colour-map`).

Colour is a property of each pixel, not of a layout. Taught to see a new colour as a known one
(`--teach-as`), the vision tower fits the few dozen layouts it is shown and not the colour: on
new pick_yellow layouts its image features stay 12-20 % of their size away from the teacher's,
against 0.3 % for the difference JPEG makes, which the policy does not notice
(docs/finetune.md). A map that looks at one pixel at a time cannot fit a layout: a small MLP
over the three channels, added to the pixel (its last layer starts at zero, so a new map is
the identity), applied to every camera's normalised pixels before the tower.

A checkpoint that has one names its file in policy.json (`colour_map`); loading it is then
required (pi0_core.policy), and a checkpoint in another tool's layout cannot carry it.
"""

from __future__ import annotations

from pathlib import Path

import torch

COLOUR_MAP_FILE = "colour_map.safetensors"
HIDDEN = 32  # the MLP's width
_KEYS = ("inner.weight", "inner.bias", "outer.weight", "outer.bias")


class ColourMap(torch.nn.Module):
    """(..., 3, H, W) pixels -> the same with each pixel mapped on its own: x + MLP(x)."""

    def __init__(self, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.inner = torch.nn.Linear(3, hidden)
        self.outer = torch.nn.Linear(hidden, 3)
        torch.nn.init.zeros_(self.outer.weight)
        torch.nn.init.zeros_(self.outer.bias)

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        channels_last = pixels.movedim(-3, -1)
        change = self.outer(torch.nn.functional.gelu(self.inner(channels_last.to(self.dtype))))
        return (channels_last + change.to(pixels.dtype)).movedim(-1, -3)

    @property
    def dtype(self) -> torch.dtype:
        return self.inner.weight.dtype


def save_colour_map(colour_map: ColourMap, directory: Path) -> Path:
    """Write the map's tensors into a checkpoint folder; the path written."""
    from safetensors.torch import save_file

    path = Path(directory) / COLOUR_MAP_FILE
    state = {
        key: value.detach().float().cpu().contiguous()
        for key, value in colour_map.state_dict().items()
    }
    save_file(state, str(path))
    return path


def load_colour_map(directory: Path, name: str = COLOUR_MAP_FILE) -> ColourMap:
    """The map a checkpoint's policy.json names; a one-line error if it is missing or malformed."""
    from safetensors.torch import load_file

    path = Path(directory) / name
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: policy.json says this policy sees its images through it"
        )
    try:
        state = load_file(str(path))
    except Exception as exc:  # a truncated or foreign file
        raise ValueError(f"corrupt colour map {path}: {exc}") from None
    if sorted(state) != sorted(_KEYS) or state["inner.weight"].shape[1:] != (3,):
        raise ValueError(f"corrupt colour map {path}: tensors {sorted(state)}")
    colour_map = ColourMap(hidden=state["inner.weight"].shape[0])
    try:
        colour_map.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"corrupt colour map {path}: {exc}") from None
    return colour_map.requires_grad_(False).eval()


def colour_map_loss(
    colour_map: ColourMap, pixels: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """The mapped pixels' squared gap to the target view's, relative to the target's mean
    square: 0 is the target exactly, 1 as far as black."""
    mapped = colour_map(pixels)
    return ((mapped - target) ** 2).mean() / (target**2).mean().clamp_min(1e-12)
