"""Switches of the fast π0 sampler, and the fastest safe choice per device."""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


@dataclass(frozen=True)
class FastOptions:
    """What the fast sampler may do; every switch keeps stock `sample_actions`' actions."""

    # Build attention masks, position ids and rotary tables once per chunk, not once per step.
    hoist_masks: bool = True
    # Write each step's keys/values into one preallocated buffer behind the read-only prefix,
    # instead of concatenating onto the prefix cache and cropping it back every step.
    kv_buffer: bool = True
    # The state token never attends to the actions, so its keys/values are the same at every
    # step: run it through the expert once per chunk and only the action tokens per step.
    cache_state_kv: bool = True
    # With one key/value head, fold the query heads into the sequence instead of repeating K/V.
    pack_gqa: bool = True
    # Pass no mask to SDPA when nothing is padded, so it may pick its fastest kernel.
    drop_full_mask: bool = True
    # Leave out prompt padding that no row uses (nothing ever attends to it). Changes the
    # prefix length with the prompt, so it is off where shapes must stay fixed (CUDA graphs).
    trim_padding: bool = True
    # Run the expert's layers with q/k/v and gate/up fused into one GEMM each (copies of those
    # weights: a few MB for tiny, about 0.4 GB in bf16 for the full expert, so off on GPU).
    fuse_expert: bool = True
    # Gemma's tanh GELU computed as x·sigmoid(2z), the same function (tanh is slow on CPUs).
    gelu_by_sigmoid: bool = True
    # Keep x_t in float32 between Euler steps (only changes anything for bf16/fp16 weights).
    fp32_integration: bool = True
    # torch.compile the denoising step; falls back to eager with a warning.
    compile: bool = False
    # With compile, also compile the prefix and state passes (run once per chunk).
    compile_prefix: bool = True
    # torch.compile mode (None = default; "max-autotune-no-cudagraphs" on GPU is worth a try).
    compile_mode: str | None = None
    # torch.compile backend: "inductor" generates kernels; "aot_eager" only traces (quick, tests).
    compile_backend: str = "inductor"
    # Capture the denoising loop in one CUDA graph and replay it (CUDA only, ignored on CPU).
    cuda_graphs: bool = False
    # Weights dtype the sampler runs in ("bfloat16", "float32"); None leaves the model as it is.
    # Setting it casts the model in place once.
    dtype: str | None = None

    def __post_init__(self) -> None:
        if self.dtype is not None and self.dtype not in _DTYPES:
            raise ValueError(f"dtype must be one of {sorted(_DTYPES)} or None, got {self.dtype!r}")

    @property
    def torch_dtype(self) -> torch.dtype | None:
        """The weights dtype as a torch dtype (None: as loaded)."""
        return None if self.dtype is None else _DTYPES[self.dtype]

    def with_changes(self, **changes: object) -> FastOptions:
        """A copy with some switches changed."""
        return replace(self, **changes)


# Every switch off: the plain re-implementation, used by tests as the closest thing to stock.
BASELINE_OPTIONS = FastOptions(
    hoist_masks=False,
    kv_buffer=False,
    cache_state_kv=False,
    pack_gqa=False,
    drop_full_mask=False,
    trim_padding=False,
    fuse_expert=False,
    gelu_by_sigmoid=False,
    fp32_integration=False,
)


def default_options(device: torch.device | str) -> FastOptions:
    """The fastest choice that is exact on this device (bf16 weights and CUDA graphs on GPU)."""
    if torch.device(device).type == "cuda":
        return FastOptions(
            compile=True,
            cuda_graphs=True,
            dtype="bfloat16",
            trim_padding=False,
            fuse_expert=False,
            gelu_by_sigmoid=False,
        )
    # On CPU, compiling costs tens of seconds once; the eager fast path already meets the target.
    return FastOptions()
