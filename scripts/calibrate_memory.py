"""Measure one CPU training step of a preset at a few batch sizes, beside the planner's estimate.

Usage: python scripts/calibrate_memory.py [--preset tiny] [--batches 1,2,4,8] [--precision float32]
Fits measured activations = slope * batch + intercept and prints the slope over the planner's
uncalibrated per-sample count: the factor to put in memory_plan.ACTIVATION_CALIBRATION.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from pi0_core.presets import get_preset  # noqa: E402
from pi0_core.train import memory_plan  # noqa: E402
from pi0_core.train.memory_measure import measure_step  # noqa: E402
from pi0_core.train.network_shape import shape_of_preset  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--batches", default="1,2,4,8")
    parser.add_argument("--precision", default="float32", choices=sorted(memory_plan.PRECISIONS))
    parser.add_argument("--cameras", type=int, default=3)
    parser.add_argument("--lora", action="store_true")
    parser.add_argument("--grad-checkpointing", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    preset = get_preset(args.preset)
    shape = shape_of_preset(preset)
    base = memory_plan.RunShape(
        cameras=args.cameras,
        lora=args.lora,
        precision=args.precision,
        grad_checkpointing=args.grad_checkpointing,
    )
    batches = [int(b) for b in args.batches.split(",")]
    rows = []
    for batch in batches:
        run = replace(base, batch_size=batch)
        measured = measure_step(preset, run)
        estimate = memory_plan.plan(shape, run)
        row = {
            "batch": batch,
            "activations_measured_gb": round(measured.saved_gb, 5),
            "activations_estimate_gb": round(estimate.activations_gb, 5),
            "weight_copies_measured_gb": round(measured.weight_copies_gb, 5),
            "state_measured_gb": round(measured.state_gb, 5),
            "peak_measured_gb": round(measured.peak_gb, 5),
            "peak_estimate_gb": round(estimate.peak_gb, 5),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    saved = np.array([r["activations_measured_gb"] for r in rows])
    slope, intercept = np.polyfit(batches, saved, 1)
    counted = memory_plan.activation_elements(shape, base) * memory_plan.PRECISIONS[args.precision]
    factor = slope * memory_plan.GB / counted
    print(f"measured activations: {slope * 1024:.3f} MB per sample + {intercept * 1024:.3f} MB")
    print(f"calibration factor (measured / counted per sample): {factor:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
