"""`main.py bench`: speed and memory benchmarks (never timed assertions in tests)."""

from __future__ import annotations

import argparse
import importlib

from app.cli.checkpoint_options import add_checkpoint_options
from pi0_core.bundled import BUNDLED_CHECKPOINT

HELP = "benchmarks: --recording, --bus, --policy, --loop, --dataset, --latency (README numbers)"

# flag -> "module:function"; each function takes the parsed args and returns an exit code.
BENCHES = {
    "recording": "recordings.bench:run_bench",
    "bus": "drivers.dynamixel.bench:run_bench",
    "policy": "pi0_core.bench:run_bench",
    "loop": "app.runtime.bench:run_bench",
    "dataset": "pi0_core.train.data_bench:run_bench",
    "latency": "app.runtime.latency_bench:run_bench",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per benchmark, plus the options they share."""
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--recording", action="store_true", help="EpisodeWriter throughput")
    group.add_argument("--bus", action="store_true", help="Dynamixel sync read+write cycle")
    group.add_argument("--policy", action="store_true", help="π0 inference: stock vs ours")
    group.add_argument("--loop", action="store_true", help="50 Hz control loop in the simulator")
    group.add_argument(
        "--dataset",
        action="store_true",
        help="training from a LeRobot folder vs JPEG HDF5",
    )
    group.add_argument(
        "--latency", action="store_true", help="success and smoothness per task x delay x mode"
    )
    parser.add_argument("--preset", default="tiny", help="model preset (--policy)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda (--policy)")
    parser.add_argument("--cameras", type=int, default=3, help="number of cameras")
    parser.add_argument("--seconds", type=float, default=None, help="duration where it applies")
    parser.add_argument(
        "--checkpoint",
        nargs="?",
        const=str(BUNDLED_CHECKPOINT),
        default=None,
        metavar="DIR",
        help="policy checkpoint, no DIR: the bundled one (--loop; --policy: time this network, "
        "not random weights)",
    )
    parser.add_argument(
        "--compile", action="store_true", help="compile the policy's sampler first (--loop)"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    parser.add_argument("--train-step", action="store_true", help="time a training step (--policy)")
    add_checkpoint_options(parser)
    parser.add_argument("--tasks", nargs="+", default=None, help="simulator tasks (--latency)")
    parser.add_argument("--episodes", type=int, default=None, help="episodes per cell (--latency)")
    parser.add_argument(
        "--delays", type=int, nargs="+", default=None, help="delays in ticks (--latency)"
    )
    parser.add_argument(
        "--modes", nargs="+", default=None, help="execution modes (--latency, default all)"
    )


def run(args: argparse.Namespace) -> int:
    """Dispatch to the chosen benchmark."""
    name = next(flag for flag in BENCHES if getattr(args, flag))
    module_name, function = BENCHES[name].split(":")
    return int(getattr(importlib.import_module(module_name), function)(args) or 0)
