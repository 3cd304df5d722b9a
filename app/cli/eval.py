"""`main.py eval`: closed-loop success rate of a policy (or the scripted expert), simulated."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.cli.demos import parse_size, quiet_render_logs

HELP = "closed-loop evaluation in the simulator: success rate over seeded episodes"
BUNDLED = "bundled"  # --checkpoint with no directory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Task, episodes, seeds, and which policy to run."""
    parser.add_argument(
        "--task", required=True, help="transfer_cube, insertion, pick_color or place_cube"
    )
    parser.add_argument("--episodes", type=int, default=50, help="episodes to run (default 50)")
    parser.add_argument(
        "--seed", type=int, default=100_000, help="first seed (default 100000, apart from demos)"
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--policy", choices=("scripted",), help="run the scripted expert")
    which.add_argument(
        "--checkpoint",
        nargs="?",
        const=BUNDLED,
        metavar="DIR",
        help="policy checkpoint directory (no DIR: the bundled policy)",
    )
    parser.add_argument(
        "--replan", type=int, default=25, help="steps of each action chunk to execute (default 25)"
    )
    parser.add_argument(
        "--size",
        type=parse_size,
        default=None,
        help="camera image HEIGHTxWIDTH given to the policy (default: the size it was trained on)",
    )
    parser.add_argument("--device", default=None, help="torch device for the policy (cpu, cuda)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the sampler first (slow once per machine, then faster)",
    )
    parser.add_argument("--video", metavar="DIR", help="write one cam_high MP4 per episode here")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every check of a policy's first chunk takes: which policy (the bundled one
    by default), which chunk step, which device, and JSON output."""
    parser.add_argument(
        "--checkpoint",
        nargs="?",
        const=BUNDLED,
        default=BUNDLED,
        metavar="DIR",
        help="policy checkpoint directory (default: the bundled policy)",
    )
    parser.add_argument("--step", type=int, help="chunk step compared (default: the last)")
    parser.add_argument("--device", default=None, help="torch device for the policy (cpu, cuda)")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def run(args: argparse.Namespace) -> int:
    """Evaluate and print one line (and the JSON object with --json)."""
    quiet_render_logs()  # before the simulator imports PyOpenGL
    from tqdm import tqdm

    from drivers.sim.evaluate import evaluate, render_size_for
    from drivers.sim.tasks import get_task

    task = get_task(args.task).name  # a typo fails before a model is loaded
    if args.episodes < 1:
        raise ValueError(f"--episodes must be at least 1, got {args.episodes}")
    if args.replan < 1:
        raise ValueError(f"--replan must be at least 1, got {args.replan}")
    policy = (
        None
        if args.policy == "scripted"
        else load_policy(args.checkpoint, args.device, args.seed, args.compile)
    )
    size = args.size or render_size_for(policy)
    with tqdm(total=args.episodes, desc=f"eval {task}", unit="episode", file=sys.stderr) as bar:
        report = evaluate(
            task,
            policy,
            args.episodes,
            seed=args.seed,
            replan=args.replan,
            image_size=size,
            video_dir=args.video,
            on_episode=lambda outcome: bar.update(1),
        )
    print(
        f"{task}: {report.successes}/{len(report.outcomes)} successful "
        f"({100 * report.success_rate:.1f}%), {report.seconds_per_episode:.2f} s per episode",
        flush=True,
    )
    reached = ", ".join(f"{name} {count}" for name, count in report.stages_reached().items())
    print(f"  episodes reaching each stage: {reached}", flush=True)
    if args.json:
        print(json.dumps(report.summary()), flush=True)
    return 0


def load_policy(checkpoint: str, device: str | None, seed: int, compile: bool = False) -> object:
    """The pi0 Policy of a checkpoint directory (or the bundled one).

    The sampling noise is seeded too, so the same command gives the same episodes.
    """
    if checkpoint == BUNDLED:
        from pi0_core.bundled import BUNDLED_CHECKPOINT

        path = BUNDLED_CHECKPOINT
    else:
        path = Path(checkpoint)
    if not path.is_dir():
        raise FileNotFoundError(f"no checkpoint directory at {path}")
    import torch

    from pi0_core.policy import Policy

    policy = Policy.load(path, device=device, compile=compile)
    torch.manual_seed(seed)
    return policy
