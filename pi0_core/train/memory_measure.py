"""Measured memory of one training step, to calibrate and check the memory planner.

Two measures: the bytes autograd saves for backward (the planner's activations), and the peak
of torch's own allocations through a whole step (on CPU the torch profiler's running total
added to what the weights, gradients, AdamW moments and EMA held before it; on CUDA
`max_memory_allocated`).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

import torch
from torch.profiler import ProfilerActivity, profile

from pi0_core.presets import ModelPreset
from pi0_core.train.ema import EMA
from pi0_core.train.lora import apply_lora
from pi0_core.train.loss import flow_matching_loss
from pi0_core.train.memory_plan import GB, RunShape
from pi0_core.train.schedule import make_optimizer


@dataclass(frozen=True)
class MeasuredStep:
    """What one CPU training step held, in GB (GiB)."""

    saved_gb: float  # activations autograd saved for backward (weights and their copies apart)
    weight_copies_gb: float  # low-precision copies of the weights saved for backward (autocast)
    state_gb: float  # weights, gradients, AdamW moments and EMA before the step
    peak_gb: float  # state_gb plus the step's peak of new allocations
    step_s: float  # wall-clock seconds of the measured step (profiled on CPU: slower)


class _SavedTensors:
    """Counts the distinct storages autograd saves, apart from the parameters themselves."""

    def __init__(self, model: torch.nn.Module) -> None:
        self.parameters = {p.untyped_storage().data_ptr() for p in model.parameters()}
        self.shapes = {tuple(p.shape) for p in model.parameters() if p.ndim >= 2}
        self.seen: set[int] = set()
        self.activations = self.copies = 0

    def pack(self, tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        pointer = storage.data_ptr()
        if pointer not in self.parameters and pointer not in self.seen:
            self.seen.add(pointer)
            low = tensor.dtype != torch.float32 and tuple(tensor.shape) in self.shapes
            if low:
                self.copies += storage.nbytes()
            else:
                self.activations += storage.nbytes()
        return tensor


def _profiled_peak(function) -> int:
    """The highest running total of torch's allocations during `function()` (bytes)."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiler:
        function()
    running = peak = 0
    for event in sorted(profiler.events(), key=lambda e: e.time_range.start):
        running += event.self_cpu_memory_usage
        peak = max(peak, running)
    return peak


def _state_bytes(model: torch.nn.Module, optimizer: torch.optim.Optimizer, ema: EMA) -> int:
    tensors = [p for p in model.parameters()] + [p.grad for p in model.parameters()]
    tensors += [v for slots in optimizer.state.values() for v in slots.values()]
    tensors += list(ema.shadow.values())
    return sum(t.numel() * t.element_size() for t in tensors if torch.is_tensor(t))


def _cuda_peak(function, device: torch.device) -> int:
    """Peak bytes allocated on `device` during `function()`, everything held included."""
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    function()
    torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device)


def measure_step(
    preset: ModelPreset, run: RunShape, seed: int = 0, device: str = "cpu"
) -> MeasuredStep:
    """Build the preset as the trainer does and measure its second step."""
    from pi0_core.bench import make_case

    target = torch.device(device)
    case = make_case(preset, device, run.cameras, batch=run.batch_size)
    model = case.model.train()
    model.model.dit.embed_tokens.weight.requires_grad_(False)
    if run.grad_checkpointing:
        model.model.vlm.vision_tower.activation_checkpointing_enable({"use_reentrant": False})
    if run.lora:
        model = apply_lora(model, run.lora_rank)
    optimizer = make_optimizer(model.named_parameters(), 1e-4, 1e-4)
    ema = EMA(model, 0.999)
    inputs = dict(case.inputs)
    noise = inputs.pop("noise")
    actions = torch.randn_like(noise)
    mask = torch.ones(noise.shape[:2], dtype=torch.bool, device=target)
    autocast = (
        torch.autocast(target.type, dtype=torch.bfloat16)
        if run.precision == "bf16"
        else contextlib.nullcontext()
    )
    config = case.model.config
    saved = _SavedTensors(model)

    def step(count: bool = False) -> None:
        generator = torch.Generator().manual_seed(seed)
        hooks = (
            torch.autograd.graph.saved_tensors_hooks(saved.pack, lambda t: t)
            if count
            else contextlib.nullcontext()
        )
        with hooks, autocast:
            loss = flow_matching_loss(model, inputs, actions, mask, 14, config, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        ema.update(model, 0)

    step()  # allocates gradients and AdamW moments, as every step after the first finds them
    state = _state_bytes(model, optimizer, ema)
    started = time.perf_counter()
    if target.type == "cuda":
        peak = _cuda_peak(lambda: step(count=True), target)
    else:
        peak = state + _profiled_peak(lambda: step(count=True))
    return MeasuredStep(
        saved_gb=saved.activations / GB,
        weight_copies_gb=saved.copies / GB,
        state_gb=state / GB,
        peak_gb=peak / GB,
        step_s=time.perf_counter() - started,
    )
