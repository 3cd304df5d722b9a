"""`main.py bench --policy`: stock `sample_actions` against the fast sampler, side by side."""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch

from pi0_core.fast import FastOptions, FastSampler, default_options
from pi0_core.presets import ModelPreset, get_preset

log = logging.getLogger(__name__)

PROMPT_FILL = 0.5  # share of the token budget the benchmark prompt uses (the rest is padding)


@dataclass(frozen=True)
class BenchCase:
    """A model (random weights, or a checkpoint's) and one batch of its inputs, on the device."""

    model: torch.nn.Module  # PI0ForConditionalGeneration
    inputs: dict[str, torch.Tensor]  # sample_actions keyword arguments, noise included
    preset: str
    cameras: int
    weights: str = "random"  # "random", or the checkpoint directory timed


def make_case(
    preset_name: str | ModelPreset, device: str, cameras: int, batch: int = 1
) -> BenchCase:
    """Build the preset's network (random weights) and deterministic inputs for it."""
    from pi0_core.model import build_model
    from pi0_core.tokenizer import ByteTokenizer

    preset = get_preset(preset_name) if isinstance(preset_name, str) else preset_name
    # The full preset uses PaliGemma's vocabulary; tiny its byte tokenizer.
    vocab_size = ByteTokenizer.vocab_size if preset.tokenizer == "bytes" else 257152
    with torch.device(device):  # initialised where it runs: minutes less for pi0 on a GPU
        model = build_model(preset, vocab_size).eval()
    generator = torch.Generator().manual_seed(0)
    image_tokens = cameras * preset.tokens_per_image
    text_len = max(3, int(preset.token_budget * PROMPT_FILL))
    input_ids = torch.zeros(batch, image_tokens + preset.token_budget, dtype=torch.long)
    input_ids[:, :image_tokens] = model.config.vlm_config.image_token_id
    input_ids[:, image_tokens : image_tokens + text_len] = torch.randint(
        3, min(vocab_size, 259), (batch, text_len), generator=generator
    )
    attention_mask = torch.zeros_like(input_ids)
    attention_mask[:, : image_tokens + text_len] = 1
    size, dim = preset.image_size, preset.max_dim
    inputs = {
        "state": torch.randn(batch, dim, generator=generator),
        "input_ids": input_ids,
        "pixel_values": torch.rand(batch, cameras, 3, size, size, generator=generator) * 2 - 1,
        "attention_mask": attention_mask,
        "pixel_attention_mask": torch.ones(batch, cameras, dtype=torch.bool),
        "noise": torch.randn(batch, preset.chunk_size, dim, generator=generator),
    }
    inputs = {key: value.to(device) for key, value in inputs.items()}
    return BenchCase(model=model, inputs=inputs, preset=preset.name, cameras=cameras)


def checkpoint_case(path: str, device: str, seed: int = 0) -> tuple[BenchCase, Callable]:
    """A checkpoint's own network and the inputs `Policy` makes from one observation of its
    cameras (seeded random images, zero state); also `Policy.infer` on that observation."""
    from pathlib import Path

    import numpy as np

    from pi0_core.policy import Policy

    if not Path(path).is_dir():
        raise FileNotFoundError(f"no checkpoint directory at {path}")
    policy = Policy.load(path, device=device)
    rng = np.random.default_rng(seed)
    observation = policy.blank_observation()
    observation["prompt"] = "pick up the red cube"
    observation["images"] = {
        name: rng.integers(0, 256, image.shape, dtype=np.uint8)
        for name, image in observation["images"].items()
    }
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(1, policy.chunk_size, policy.spec.max_dim, generator=generator)
    inputs = policy.prepare([observation]) | {"noise": noise.to(policy.device, policy.dtype)}
    case = BenchCase(policy.model, inputs, policy.spec.preset, len(policy.cameras), str(path))

    def infer(**_: torch.Tensor) -> torch.Tensor:
        return torch.as_tensor(policy.infer(observation, noise=noise[0]))

    return case, infer


def cast_inputs(inputs: dict[str, torch.Tensor], dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """Floating inputs in the weights' dtype, as stock needs them."""
    return {k: v.to(dtype) if v.is_floating_point() else v for k, v in inputs.items()}


@dataclass(frozen=True)
class Timing:
    """One call: wall-clock and this process's CPU milliseconds (all threads), and its result."""

    wall_ms: float
    cpu_ms: float
    result: torch.Tensor


def timed(function: Callable[[], torch.Tensor], device: torch.device) -> Timing:
    """Time one call, synchronised on CUDA."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    wall, cpu = time.perf_counter(), time.process_time()
    result = function()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return Timing(
        (time.perf_counter() - wall) * 1000.0, (time.process_time() - cpu) * 1000.0, result
    )


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def peak_memory_mb(device: torch.device, run: Callable[[], object] | None = None) -> float:
    """Peak CUDA memory allocated during one `run()` (weights included), or on CPU the peak
    resident set size of this whole process so far."""
    if device.type != "cuda":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    torch.cuda.synchronize(device)
    torch.cuda.reset_peak_memory_stats(device)
    if run is not None:
        run()
        torch.cuda.synchronize(device)
    return torch.cuda.max_memory_allocated(device) / 2**20


def _rounds(args: argparse.Namespace, preset: str, device: torch.device) -> tuple[int, int]:
    """(warm-up calls, timed rounds): one cold chunk for the full preset on CPU."""
    if preset != "tiny" and device.type == "cpu":
        return 0, 1
    return 3, 20 if device.type == "cpu" else 50


def bench_policy(args: argparse.Namespace) -> dict:
    """Time stock and fast sampling alternately on the same inputs and noise."""
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--device cuda asked for, but no CUDA device is available")
    infer = None
    if getattr(args, "checkpoint", None):
        case, infer = checkpoint_case(args.checkpoint, args.device)
    else:
        case = make_case(args.preset, args.device, args.cameras)
    model, inputs = case.model, case.inputs
    options = default_options(device)
    reference = None
    if options.torch_dtype not in (None, torch.float32):
        # Stock's own error in low precision is the yardstick for ours.
        reference = model.sample_actions(**inputs).float()
    sampler = FastSampler(model, options)  # casts the weights when options.dtype says so
    inputs = cast_inputs(inputs, sampler.parts.action_out_proj.weight.dtype)
    contenders = {"stock": model.sample_actions, "ours": sampler.sample_actions}
    if infer is not None:  # what the app pays per chunk: preprocessing, sampler, unpadding
        contenders["policy_infer"] = infer
    warmup, rounds = _rounds(args, case.preset, device)
    if device.type == "cpu" and warmup and not options.compile:
        # Not the CPU default (a one-off compile of tens of seconds) but what `--compile` runs:
        # everything compiled, prompt padding kept so that one compilation serves every prompt.
        compiled = options.with_changes(compile=True, trim_padding=False)
        contenders["ours_compiled"] = FastSampler(model, compiled).sample_actions
    for _ in range(warmup):
        for sample in contenders.values():
            sample(**inputs)
    runs: dict[str, list[Timing]] = {name: [] for name in contenders}
    deadline = time.monotonic() + (args.seconds or 0)
    while len(runs["stock"]) < rounds or time.monotonic() < deadline:
        for name, sample in contenders.items():
            runs[name].append(timed(lambda sample=sample: sample(**inputs), device))
    result = _summary(runs, peak_memory_mb(device, lambda: sampler(**inputs)), case, options)
    if device.type == "cuda":
        stock_peak = peak_memory_mb(device, lambda: model.sample_actions(**inputs))
        result["stock_peak_mem_mb"] = round(stock_peak, 1)
    if reference is not None:
        result["stock_vs_fp32"] = _max_diff(runs["stock"][-1].result, reference)
        result["ours_vs_fp32"] = _max_diff(runs["ours"][-1].result, reference)
    return result


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()


def _summary(
    runs: dict[str, list[Timing]], peak_mb: float, case: BenchCase, options: FastOptions
) -> dict:
    stock = runs["stock"]
    differences = [
        _max_diff(ours.result, reference.result)
        for name in runs
        if name not in ("stock", "policy_infer")  # infer's actions are unnormalised
        for ours, reference in zip(runs[name], stock, strict=True)
    ]
    result = {"max_abs_diff": max(differences), "peak_mem_mb": round(peak_mb, 1)}
    for name, timings in runs.items():
        wall = [t.wall_ms for t in timings]
        result[f"{name}_ms"] = round(statistics.median(wall), 2)
        result[f"{name}_p90_ms"] = round(percentile(wall, 0.9), 2)
        # CPU time is steadier than wall time on a shared machine.
        result[f"{name}_cpu_ms"] = round(statistics.median(t.cpu_ms for t in timings), 2)
        if name not in ("stock", "policy_infer"):
            prefix = "" if name == "ours" else name.removeprefix("ours_") + "_"
            result[f"{prefix}speedup"] = round(result["stock_ms"] / result[f"{name}_ms"], 2)
    return result | {
        "rounds": len(stock),
        "preset": case.preset,
        "device": str(case.inputs["state"].device),
        "cameras": case.cameras,
        "weights": case.weights,
        "dtype": options.dtype or "float32",
        "compile": options.compile,
        "cuda_graphs": options.cuda_graphs,
        "threads": torch.get_num_threads(),
        "date": datetime.date.today().isoformat(),
    }


def bench_train_step(args: argparse.Namespace, batch: int = 8) -> dict:
    """Milliseconds of one training step (forward, backward, AdamW) at batch 8."""
    device = torch.device(args.device)
    case = make_case(args.preset, args.device, args.cameras, batch=batch)
    model = case.model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    inputs = dict(case.inputs)
    noise = inputs.pop("noise")
    actions = torch.randn_like(noise)

    def step() -> torch.Tensor:
        loss = model(**inputs, noise=noise, actions=actions).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss.detach()

    step()  # warm-up: optimizer state allocation
    times = [timed(step, device).wall_ms for _ in range(5)]
    return {
        "train_step_ms": round(statistics.median(times), 1),
        "batch": batch,
        "samples_per_s": round(batch * 1000.0 / statistics.median(times), 1),
        "peak_mem_mb": round(peak_memory_mb(device), 1),
        "preset": case.preset,
        "device": args.device,
        "threads": torch.get_num_threads(),
        "date": datetime.date.today().isoformat(),
    }


def run_bench(args: argparse.Namespace) -> int:
    """Entry point of `main.py bench --policy`."""
    if args.cameras < 1:
        raise ValueError("--cameras must be at least 1")
    train_step = getattr(args, "train_step", False)
    result = bench_train_step(args) if train_step else bench_policy(args)
    _print(result, args.json)
    return 0


def _print(result: dict, as_json: bool) -> None:
    if "stock_ms" in result:
        lines = [
            f"π0 {result['preset']} ({result['weights']} weights) on {result['device']}, "
            f"{result['cameras']} cameras, "
            f"{result['dtype']}, {result['threads']} threads, {result['rounds']} rounds"
        ]
        for name in ("stock", "ours", "ours_compiled", "policy_infer"):
            if f"{name}_ms" in result:
                lines.append(
                    f"{name:<14} median {result[f'{name}_ms']:8.2f} ms"
                    f"   p90 {result[f'{name}_p90_ms']:8.2f} ms"
                    f"   cpu {result[f'{name}_cpu_ms']:8.2f} ms"
                )
        lines.append(
            f"speedup {result['speedup']:.2f}x   max |ours - stock| {result['max_abs_diff']:.2e}"
        )
        if "compiled_speedup" in result:
            lines.append(f"speedup with the compiled step {result['compiled_speedup']:.2f}x")
        lines.append(f"peak memory {result['peak_mem_mb']:.0f} MB")
        if "ours_vs_fp32" in result:
            stock_error, our_error = result["stock_vs_fp32"], result["ours_vs_fp32"]
            lines.append(f"vs float32: stock {stock_error:.2e}, ours {our_error:.2e}")
    else:
        lines = [
            f"π0 {result['preset']} training step on {result['device']}: "
            f"{result['train_step_ms']:.1f} ms at batch {result['batch']} "
            f"({result['samples_per_s']:.1f} samples/s), peak memory {result['peak_mem_mb']:.0f} MB"
        ]
    print("\n".join(lines))
    if as_json:
        print(json.dumps(result))
    sys.stdout.flush()
