"""OUT/resume/: everything needed to continue a run exactly, in safetensors and JSON (no pickle).

Random draws are seeded from (seed, rank, step) and the data order from (seed, epoch), so the
step number stands in for every random generator's state.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "trainable.safetensors"
EMA_WEIGHTS = "ema.safetensors"
OPTIMIZER = "optimizer.safetensors"
STATE = "state.json"
CONFIG = "config.json"


@dataclass(frozen=True)
class ResumePoint:
    """A saved run: the step reached, its config text and tensors."""

    step: int
    world: int  # processes of the saved run (the data split depends on it)
    config_json: str
    trainable: dict[str, torch.Tensor]
    ema: dict[str, torch.Tensor]
    optimizer: dict


def save(
    directory: Path,
    step: int,
    world: int,
    config_json: str,
    model: torch.nn.Module,
    ema_state: dict[str, torch.Tensor],
    optimizer: torch.optim.Optimizer,
    also: Collection[str] = (),
) -> None:
    """Write the resume state next to `directory` then swap it in, so a crash leaves the old one.
    `also`: frozen parameters saved with the trainable ones (a run's held probes)."""
    trainable = {
        n: p.detach().cpu() for n, p in model.named_parameters() if p.requires_grad or n in also
    }
    save_state(directory, step, world, config_json, trainable, ema_state, optimizer.state_dict())


def save_state(
    directory: Path,
    step: int,
    world: int,
    config_json: str,
    trainable: dict[str, torch.Tensor],
    ema_state: dict[str, torch.Tensor],
    optimizer_state: dict,
) -> None:
    """`save` from whole tensors (an FSDP run gathers them first)."""
    directory = Path(directory)
    staging = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_file(_contiguous(trainable), staging / WEIGHTS)
    save_file(_contiguous({n: t.cpu() for n, t in ema_state.items()}), staging / EMA_WEIGHTS)
    tensors, groups = _flatten_optimizer(optimizer_state)
    save_file(_contiguous(tensors), staging / OPTIMIZER)
    state = {"step": step, "world": world, "param_groups": groups}
    (staging / STATE).write_text(json.dumps(state, indent=2) + "\n")
    (staging / CONFIG).write_text(config_json)
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load(directory: Path) -> ResumePoint:
    """Read a resume directory written by `save`."""
    directory = Path(directory)
    if not (directory / STATE).is_file():
        raise FileNotFoundError(f"nothing to resume: missing {directory / STATE}")
    try:
        state = json.loads((directory / STATE).read_text())
        optimizer = _unflatten_optimizer(load_file(directory / OPTIMIZER), state["param_groups"])
        return ResumePoint(
            step=int(state["step"]),
            world=int(state.get("world", 1)),
            config_json=(directory / CONFIG).read_text(),
            trainable=load_file(directory / WEIGHTS),
            ema=load_file(directory / EMA_WEIGHTS),
            optimizer=optimizer,
        )
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"corrupt resume state in {directory}: {exc}") from exc


def restore_trainable(model: torch.nn.Module, trainable: dict[str, torch.Tensor]) -> None:
    """Copy saved trainable weights back into the model."""
    params = dict(model.named_parameters())
    missing = [name for name, p in params.items() if p.requires_grad and name not in trainable]
    if missing:
        raise ValueError(f"resume state does not match the model: no weight {missing[0]}")
    with torch.no_grad():
        for name, value in trainable.items():
            params[name].copy_(value)


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: t.contiguous() for name, t in tensors.items()}


def _flatten_optimizer(state_dict: dict) -> tuple[dict[str, torch.Tensor], list[dict]]:
    tensors = {}
    for index, slots in state_dict["state"].items():
        for key, value in slots.items():
            tensors[f"{index}.{key}"] = torch.as_tensor(value).detach().cpu()
    return tensors, state_dict["param_groups"]


def _unflatten_optimizer(tensors: dict[str, torch.Tensor], groups: list[dict]) -> dict:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        index, key = name.split(".", 1)
        state.setdefault(int(index), {})[key] = value
    return {"state": state, "param_groups": groups}
