"""Measure one training step of a preset at a few batch sizes, beside the planner's estimate.

Usage: python scripts/calibrate_memory.py [--preset tiny] [--batches 1,2,4,8 | --batches fit]
       [--precision float32|bf16] [--lora] [--grad-checkpointing] [--device cpu|cuda]
One JSON line per batch (estimate and measurement), then on CPU a fit of measured activations
= slope * batch + intercept and the slope over the planner's uncalibrated per-sample count:
the factor that memory_plan.ACTIVATION_CALIBRATION holds. `--batches fit` (CUDA) measures the
largest batch the planner says fits the device's memory.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from pi0_core.presets import get_preset  # noqa: E402
from pi0_core.train import memory_plan  # noqa: E402
from pi0_core.train.memory_measure import measure_step  # noqa: E402
from pi0_core.train.network_shape import shape_of_preset  # noqa: E402


def _batches(text: str, shape, run: memory_plan.RunShape, device: str) -> list[int]:
    if text != "fit":
        return [int(b) for b in text.split(",")]
    if device != "cuda":
        raise SystemExit("--batches fit needs --device cuda (it reads the device's memory)")
    memory_gb = torch.cuda.get_device_properties(0).total_memory / memory_plan.GB
    return [memory_plan.max_batch_size(shape, run, memory_gb)]


def _measure(preset, shape, run: memory_plan.RunShape, device: str) -> dict:
    estimate = memory_plan.plan(shape, run)
    row = {"batch": run.batch_size, "lora": run.lora, "precision": run.precision}
    row |= {f"estimate_{k}": v for k, v in estimate.to_dict().items()}
    try:
        measured = measure_step(preset, run, device=device)
    except torch.cuda.OutOfMemoryError:
        return row | {"out_of_memory": True}
    return row | {f"measured_{k}": round(v, 5) for k, v in asdict(measured).items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--batches", default="1,2,4,8", help="comma-separated, or fit")
    parser.add_argument("--precision", default="float32", choices=sorted(memory_plan.PRECISIONS))
    parser.add_argument("--cameras", type=int, default=3)
    parser.add_argument("--lora", action="store_true")
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.device == "cpu":
        torch.set_num_threads(1)
    preset = get_preset(args.preset)
    shape = shape_of_preset(preset)
    base = memory_plan.RunShape(
        cameras=args.cameras,
        lora=args.lora,
        precision=args.precision,
        grad_checkpointing=args.grad_checkpointing,
    )
    batches = _batches(args.batches, shape, base, args.device)
    rows = []
    for batch in batches:
        if batch < 1:
            print(json.dumps({"batch": 0, "note": "the planner says nothing fits"}))
            continue
        rows.append(_measure(preset, shape, replace(base, batch_size=batch), args.device))
        print(json.dumps(rows[-1]), flush=True)
    measured = [r for r in rows if "measured_saved_gb" in r]
    if len(measured) >= 2:
        sizes = [r["batch"] for r in measured]
        slope, intercept = np.polyfit(sizes, [r["measured_saved_gb"] for r in measured], 1)
        count = memory_plan.activation_elements(shape, base)
        factor = slope * memory_plan.GB / (count * memory_plan.PRECISIONS[args.precision])
        print(f"measured activations: {slope * 1024:.3f} MB per sample + {intercept * 1024:.3f} MB")
        print(f"calibration factor (measured / counted per sample): {factor:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
