"""`main.py binding`: does a policy head for the cube its prompt names?"""

from __future__ import annotations

import argparse
import json

from app.cli.eval import add_check_arguments, load_policy

HELP = "prompt simulated pick_color layouts with every colour: does the first chunk head for it?"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Which policy, how many layouts, which chunk step."""
    parser.add_argument("--layouts", type=int, default=20, help="layouts tried (default 20)")
    parser.add_argument(
        "--seed", type=int, default=200_000, help="first layout seed (default 200000, unseen)"
    )
    parser.add_argument("--noise-seed", type=int, default=0, help="seed of the sampling noise")
    parser.add_argument(
        "--prompts",
        default=None,
        metavar="SET",
        help="prompt with phrasings drawn from train or held-out (the prompt grammar's), or "
        "FILE (one per line, {color} where the colour goes); default: the canonical prompt",
    )
    parser.add_argument(
        "--prompt-as-typed",
        action="store_true",
        help="give the network each prompt as typed, not in its trained phrasing",
    )
    add_check_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Print how often the chunk heads for the named colour, and the confusion matrix."""
    from app.cli.eval import prompt_phrase
    from drivers.sim.binding import check_binding

    phrase = prompt_phrase("pick_color", args.prompts)
    options = {"phrasing": False} if args.prompt_as_typed else None
    policy = load_policy(args.checkpoint, args.device, args.noise_seed, options=options)
    report = check_binding(
        policy, args.layouts, args.seed, args.step, args.noise_seed, phrase=phrase
    )
    share = report.correct / report.total
    print(
        f"{report.task}, chunk step {report.step}: heads for the named cube in "
        f"{report.correct}/{report.total} prompts ({share:.0%})"
    )
    print(f"{'named':<10}" + "".join(f"{'-> ' + color:>10}" for color in report.colors))
    for color, row in zip(report.colors, report.matrix, strict=True):
        print(f"{color:<10}" + "".join(f"{count:>10}" for count in row))
    if args.json:
        print(json.dumps(report.summary()))
    return 0
