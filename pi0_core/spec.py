"""`policy.json`: what a checkpoint needs besides the network to act as a policy."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from pi0_core.adapters import convention_name
from pi0_core.colour_map import COLOUR_MAP_FILE
from pi0_core.transforms import Crop, check_crop
from recordings.stats import NormStats

POLICY_FILE = "policy.json"
STD_FLOOR = 1e-2  # our normalisation: std raised to at least this


@dataclass(frozen=True)
class PolicySpec:
    """Cameras, dimensions, input sizes and normalisation of one trained policy."""

    preset: str  # preset the network was built from ("pi0", "tiny", or "custom")
    cameras: tuple[str, ...]  # camera order of the vision inputs
    state_dim: int  # robot state width before padding (14 for ALOHA)
    action_dim: int  # action width before padding
    image_size: int  # square side of the vision tower's input
    token_budget: int  # prompt tokens after the image tokens
    chunk_size: int  # actions per chunk
    max_dim: int  # state and actions are zero-padded to this width
    tokenizer: str  # "bytes" or "local"
    stats: NormStats  # normalisation statistics of state and actions
    adapter: str | None = None  # joint convention (pi0_core.adapters): identity, openpi_aloha...
    camera_size: tuple[int, int] | None = None  # (height, width) of the training images
    crops: dict[str, Crop] | None = None  # camera -> (top, left, bottom, right) it is cut to
    std_floor: float = STD_FLOOR  # normalisation divides by max(std, std_floor) + std_eps
    std_eps: float = 0.0  # openpi's stats: floor 0, eps 1e-6; LeRobot's: eps 1e-8
    colour_map: str | None = None  # file of the learned colour map (pi0_core.colour_map), if any

    def __post_init__(self) -> None:
        if not self.cameras:
            raise ValueError("a policy needs at least one camera")
        if not 0 < self.state_dim <= self.max_dim or not 0 < self.action_dim <= self.max_dim:
            raise ValueError(
                f"state_dim {self.state_dim} and action_dim {self.action_dim} must be in "
                f"1..{self.max_dim}"
            )
        if len(self.stats.state_mean) != self.state_dim:
            raise ValueError(
                f"state stats have {len(self.stats.state_mean)} values, not {self.state_dim}"
            )
        if len(self.stats.action_mean) != self.action_dim:
            raise ValueError(
                f"action stats have {len(self.stats.action_mean)} values, not {self.action_dim}"
            )
        for camera in self.crops or {}:
            if camera not in self.cameras:
                raise ValueError(f"crop given for {camera}, which is not one of {self.cameras}")
        if self.crops is not None:  # checked, and as tuples of floats whatever came in (JSON lists)
            crops = {camera: check_crop(camera, crop) for camera, crop in self.crops.items()}
            object.__setattr__(self, "crops", crops)
        object.__setattr__(self, "adapter", convention_name(self.adapter))
        if self.colour_map not in (None, COLOUR_MAP_FILE):
            raise ValueError(
                f"colour_map must be {COLOUR_MAP_FILE!r} or absent, got {self.colour_map!r}"
            )
        if self.std_floor < 0 or self.std_eps < 0:
            raise ValueError("std_floor and std_eps must not be negative")

    def with_stats(self, stats: NormStats) -> PolicySpec:
        """The same spec with other normalisation statistics."""
        return replace(self, stats=stats)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        data = asdict(self)
        data["cameras"] = list(self.cameras)
        data["stats"] = self.stats.to_dict()
        for name, default in (("std_floor", STD_FLOOR), ("std_eps", 0.0)):
            if data[name] == default:
                del data[name]  # files of our own rule stay readable by earlier versions
        if data["adapter"] == "identity":
            data["adapter"] = None
        if self.colour_map is None:
            del data["colour_map"]  # as crops: files without one stay readable by earlier versions
        if self.crops is None:
            del data["crops"]  # files without crops stay readable by earlier versions
        else:
            data["crops"] = {camera: list(crop) for camera, crop in self.crops.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PolicySpec:
        """Inverse of `to_dict`."""
        data = dict(data)
        data["cameras"] = tuple(data["cameras"])
        if data.get("camera_size") is not None:
            data["camera_size"] = tuple(data["camera_size"])
        data["stats"] = NormStats.from_dict(data["stats"])
        return cls(**data)

    def save(self, directory: Path) -> None:
        """Write `policy.json`."""
        text = json.dumps(self.to_dict(), indent=2) + "\n"
        (Path(directory) / POLICY_FILE).write_text(text)

    @classmethod
    def load(cls, directory: Path) -> PolicySpec:
        """Read `policy.json`; a missing or malformed file gets a one-line error naming it."""
        path = Path(directory) / POLICY_FILE
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except FileNotFoundError:
            raise FileNotFoundError(f"missing {path}") from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"corrupt {path}: {exc}") from exc
