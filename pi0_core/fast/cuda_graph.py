"""A whole π0 chunk captured once as a CUDA graph and replayed for every later chunk."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch


class CapturedChunk:
    """Replays `run() -> actions`; `run` must read only tensors that stay the same objects.

    The caller refreshes those tensors' contents (copy_tree) before each call.
    """

    def __init__(self, run: Callable[[], torch.Tensor]):
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):  # warm-up: lazy inits and compilation happen outside the capture
                run()
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.output = run()

    def __call__(self) -> torch.Tensor:
        self.graph.replay()
        return self.output.clone()


def clone_tree(value: Any) -> Any:
    """A copy of tensors inside (frozen) dataclasses and tuples, owning its own storage."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, tuple):
        return tuple(clone_tree(item) for item in value)
    if dataclasses.is_dataclass(value):
        fields = {f.name: clone_tree(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return type(value)(**fields)
    return value


def copy_tree(destination: Any, source: Any) -> None:
    """Copy every tensor of `source` into the matching tensor of `destination` (same layout)."""
    if isinstance(source, torch.Tensor):
        destination.copy_(source)
    elif isinstance(source, tuple):
        for target, item in zip(destination, source, strict=True):
            copy_tree(target, item)
    elif dataclasses.is_dataclass(source):
        for field in dataclasses.fields(source):
            copy_tree(getattr(destination, field.name), getattr(source, field.name))


def tree_signature(value: Any) -> tuple:
    """Shapes, dtypes and None-ness of the tensors inside: what a capture depends on."""
    if isinstance(value, torch.Tensor):
        return (tuple(value.shape), value.dtype, value.device)
    if isinstance(value, tuple):
        return tuple(tree_signature(item) for item in value)
    if dataclasses.is_dataclass(value):
        return tuple(tree_signature(getattr(value, f.name)) for f in dataclasses.fields(value))
    return (value,)
