"""`main.py first-chunk`: does a policy's first chunk follow the demonstrations' first moves?"""

from __future__ import annotations

import argparse
import json

from app.cli.eval import add_check_arguments, load_policy
from app.cli.validate import add_camera_map_argument

HELP = "compare a policy's first action chunk with recorded demonstrations from the same start"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Which policy, which demonstrations, which chunk step."""
    parser.add_argument("--data", required=True, help="episode folder(s) or files, comma-separated")
    parser.add_argument("--episodes", type=int, default=20, help="episodes compared (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sampling noise")
    add_check_arguments(parser)
    add_camera_map_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Print one line per joint whose demonstrated target varies."""
    from pi0_core.train.first_chunk import as_dicts, first_chunk_agreement

    if args.episodes < 2:
        raise ValueError(f"--episodes must be at least 2, got {args.episodes}")
    policy = load_policy(args.checkpoint, args.device, args.seed)
    data = [part for part in args.data.split(",") if part]
    rows = first_chunk_agreement(
        policy, data, args.episodes, args.step, args.seed, camera_map=args.camera_map
    )
    step = policy.chunk_size - 1 if args.step is None else args.step
    print(f"first chunk, step {step}, {args.episodes} episodes at most; one draw per episode:")
    print(f"{'joint':<22}{'correlation':>12}{'mean error':>12}{'demo std':>10}{'policy std':>12}")
    for row in rows:
        print(
            f"{row.joint:<22}{row.correlation:>12.2f}{row.mean_error:>12.3f}"
            f"{row.demo_std:>10.3f}{row.policy_std:>12.3f}"
        )
    if args.json:
        print(json.dumps({"step": step, "joints": as_dicts(rows)}))
    return 0
