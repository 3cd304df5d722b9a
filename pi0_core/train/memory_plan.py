"""Peak memory per device of a training run, from the network's shapes alone (pure math).

Weights are float32 masters (the trainer keeps them so and autocasts to bf16 on GPU), gradients
float32, AdamW keeps two float32 moments and the trainer a float32 EMA of every trainable weight.
Activations are what autograd saves for backward, counted per token from the layer shapes and
scaled by a factor fitted to measured peaks of the tiny preset (docs/memory_plan.md).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from pi0_core.train.freeze import check_freeze
from pi0_core.train.network_shape import NetworkShape, StackShape
from pi0_core.train.parameter_counts import parameter_counts

GB = 2**30  # "GB" in the plan are GiB, as torch and nvidia-smi count them
PRECISIONS = {"float32": 4, "bf16": 2}  # bytes of one activation element
MASTER_BYTES = 4  # float32 weights, gradients, AdamW moments and EMA
STATE_COPIES = 3  # AdamW's two moments and the trainer's EMA, per trainable weight
USABLE_SHARE = 0.9  # of --memory-gb: the rest is the CUDA context and allocator fragmentation
# Measured / counted activation bytes on the tiny preset, one step on CPU (docs/memory_plan.md).
ACTIVATION_CALIBRATION = {"float32": 0.92, "bf16": 1.18}
MAX_PROCESSES = 4096


@dataclass(frozen=True)
class RunShape:
    """The choices of a run that set its memory, besides the network."""

    batch_size: int = 32  # samples per process per step
    cameras: int = 3  # camera images per sample
    lora: bool = False  # LoRA adapters on the language model and expert (their bases frozen)
    lora_rank: int = 16
    precision: str = "bf16"  # "bf16": autocast on GPU; "float32": everything in float32 (CPU)
    grad_checkpointing: bool = False  # recompute the vision tower's activations in backward
    processes: int = 1  # training processes (torchrun's world size)
    fsdp: bool = False  # shard weights, gradients and optimiser state over the processes
    freeze: tuple[str, ...] = ()  # parts kept as the checkpoint has them (--freeze)

    def __post_init__(self) -> None:
        if self.batch_size < 1:
            raise ValueError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.cameras < 1:
            raise ValueError(f"a sample needs at least one camera, got {self.cameras}")
        if self.lora and self.lora_rank < 1:
            raise ValueError(f"the LoRA rank must be at least 1, got {self.lora_rank}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"--precision must be one of {', '.join(PRECISIONS)}")
        check_freeze(self.freeze)
        if self.freeze and self.fsdp:  # as training refuses it (pi0_core.train.config)
            raise ValueError("--freeze is not supported with --fsdp")
        if not 1 <= self.processes <= MAX_PROCESSES:
            raise ValueError(f"--processes must be in [1, {MAX_PROCESSES}], got {self.processes}")


@dataclass(frozen=True)
class MemoryPlan:
    """Estimated peak memory of one device, in GB (GiB), and what it is made of."""

    weights_gb: float
    gradients_gb: float
    optimizer_gb: float  # AdamW moments and the EMA weights
    activations_gb: float
    fixed_gb: float  # everything but the activations
    per_sample_gb: float  # activations of one sample

    @property
    def peak_gb(self) -> float:
        """All parts at once (a bound: gradients grow while backward frees activations)."""
        return self.fixed_gb + self.activations_gb

    def to_dict(self) -> dict[str, float]:
        """The JSON keys of `train --plan --json`."""
        parts = asdict(self)
        del parts["fixed_gb"], parts["per_sample_gb"]
        return {key: round(value, 3) for key, value in parts.items()} | {
            "peak_gb": round(self.peak_gb, 3)
        }


def _gemma_saved(stack: StackShape, tokens: int, kv_tokens: int) -> int:
    """Elements one Gemma block saves for backward: norms, q/k/v/o, the gated MLP.

    Keys and values are repeated to every query head for attention, over `kv_tokens` (the
    expert attends to the prefix too, whose cached keys it concatenates with its own).
    """
    query = stack.heads * stack.head_dim
    per_token = 6 * stack.hidden + 3 * query + 4 * stack.mlp
    return tokens * per_token + kv_tokens * 2 * (query + stack.kv_heads * stack.head_dim)


def _siglip_saved(stack: StackShape, tokens: int) -> int:
    """Elements one SigLIP block saves: two layer norms, q/k/v/o, fc1 and its activation."""
    return tokens * (9 * stack.hidden + 2 * stack.mlp)


def activation_elements(shape: NetworkShape, run: RunShape) -> int:
    """Elements saved for backward by one sample's forward pass."""
    vision, language, expert = shape.vision, shape.language, shape.expert
    image_tokens = run.cameras * shape.tokens_per_image
    prefix = image_tokens + shape.token_budget
    suffix = shape.chunk_size + 1  # the state token, then the actions
    vision_frozen = "vision" in run.freeze  # no gradient goes into the tower: it saves nothing
    if vision_frozen:
        tower = 0
    elif run.grad_checkpointing:  # each block's input kept, one block recomputed at a time
        tower = vision.layers * image_tokens * vision.hidden + _siglip_saved(vision, image_tokens)
    else:
        tower = vision.layers * _siglip_saved(vision, image_tokens)
    pixels = 0 if vision_frozen else run.cameras * 3 * shape.image_size**2
    embeddings = image_tokens * (2 * vision.hidden + language.hidden) + prefix * language.hidden
    lm = language.layers * _gemma_saved(language, prefix, prefix)
    if {"vision", "language"} <= set(run.freeze):  # the prefix is a constant to the expert
        embeddings, lm = 0, 0
    dit = expert.layers * _gemma_saved(expert, suffix, prefix + suffix)
    heads = suffix * (6 * expert.hidden + 2 * shape.max_dim)
    return pixels + tower + embeddings + lm + dit + heads


def activation_bytes(shape: NetworkShape, run: RunShape) -> float:
    """Estimated activation bytes of one sample, calibrated."""
    bytes_per = PRECISIONS[run.precision] * ACTIVATION_CALIBRATION[run.precision]
    return activation_elements(shape, run) * bytes_per


def plan(shape: NetworkShape, run: RunShape) -> MemoryPlan:
    """The estimated peak memory of one device for `run` on a network of `shape`."""
    counts = parameter_counts(shape, run.lora_rank if run.lora else 0, run.freeze)
    shards = run.processes if run.fsdp else 1
    low = run.precision == "bf16"
    weights = MASTER_BYTES * counts.total / shards
    gradients = MASTER_BYTES * counts.trainable / shards
    if run.fsdp:
        # Gathered in the compute dtype, with their unsharded float32 gradients before the
        # reduce-scatter: the piece computing, the next one prefetched, and the root unit's
        # last language block (pi0_core/train/sharding.py), which stays gathered all step.
        in_flight = counts.largest_unit + 2 * counts.largest_layer
        weights += in_flight * (2 if low else MASTER_BYTES)
        gradients += (counts.trainable_unit + 2 * counts.trainable_layer) * MASTER_BYTES
    else:
        if low:
            weights += 2 * counts.matmul  # autocast's bf16 copies, saved for backward
        if run.processes > 1:
            gradients *= 2  # DDP copies every gradient into its all-reduce buckets
    optimizer = STATE_COPIES * MASTER_BYTES * counts.trainable / shards
    per_sample = activation_bytes(shape, run)
    fixed = weights + gradients + optimizer
    return MemoryPlan(
        weights_gb=weights / GB,
        gradients_gb=gradients / GB,
        optimizer_gb=optimizer / GB,
        activations_gb=per_sample * run.batch_size / GB,
        fixed_gb=fixed / GB,
        per_sample_gb=per_sample / GB,
    )


def max_batch_size(shape: NetworkShape, run: RunShape, memory_gb: float) -> int:
    """The largest batch per process whose peak fits in `memory_gb` (0: not even one sample)."""
    if not math.isfinite(memory_gb) or memory_gb <= 0:
        raise ValueError(f"--memory-gb must be a positive number, got {memory_gb}")
    estimate = plan(shape, run)
    room = memory_gb * USABLE_SHARE - estimate.fixed_gb
    return max(0, math.floor(room / estimate.per_sample_gb))
