"""The denoising loop captured once as a CUDA graph and replayed for every chunk."""

from __future__ import annotations

from collections.abc import Callable

import torch


class CapturedLoop:
    """Replays `run(x) -> actions` for one fixed set of shapes; x is copied into a static input.

    Everything else `run` reads (key/value buffers, rotary tables, masks) must stay the same
    tensors between calls; the caller refreshes their contents before `__call__`.
    """

    def __init__(self, run: Callable[[torch.Tensor], torch.Tensor], example: torch.Tensor):
        self.static_input = example.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(2):  # warm-up: lazy inits and compilation happen outside the capture
                run(self.static_input)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.static_output = run(self.static_input)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.static_input.copy_(x)
        self.graph.replay()
        return self.static_output.clone()


def copy_tensors_into(destination: object, source: object) -> None:
    """Copy every tensor (also inside tuples) of a dataclass `source` into `destination`'s."""
    for name, value in vars(source).items():
        target = getattr(destination, name)
        if isinstance(value, torch.Tensor):
            target.copy_(value)
        elif isinstance(value, tuple):
            for target_item, item in zip(target, value, strict=True):
                if isinstance(item, torch.Tensor):
                    target_item.copy_(item)
