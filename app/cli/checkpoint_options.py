"""The options every command that loads a checkpoint shares: what a foreign folder lacks."""

from __future__ import annotations

import argparse


def add_checkpoint_options(
    parser: argparse.ArgumentParser, stats: bool = True, phrasing: bool = True
) -> None:
    """--norm-stats, --tokenizer, --convention (stats=False: the data gives the statistics), and
    --prompt-as-typed for commands that prompt the policy (phrasing=True)."""
    if stats:
        parser.add_argument(
            "--norm-stats",
            metavar="PATH",
            help="normalisation statistics for a checkpoint without them: openpi norm_stats.json, "
            "LeRobot processor files or their folder, our stats JSON, or a dataset folder",
        )
    parser.add_argument(
        "--tokenizer",
        metavar="PATH",
        help="PaliGemma's tokenizer.model or a transformers tokenizer folder, for a checkpoint "
        "without one",
    )
    parser.add_argument(
        "--convention",
        metavar="NAME",
        help="joint convention of the checkpoint: identity, openpi_aloha, openpi_aloha_delta "
        "(default: what the folder says)",
    )
    if phrasing:
        parser.add_argument(
            "--prompt-as-typed",
            action="store_true",
            help="give the network the prompt as typed, not in the phrasing its checkpoint was "
            "trained on (a checkpoint whose card lists simulated tasks; pi0_core/phrasing.py)",
        )


def checkpoint_options(args: argparse.Namespace) -> dict:
    """Policy.load keyword arguments of the options given (none given: {})."""
    names = ("norm_stats", "tokenizer", "convention")
    given = {name: getattr(args, name, None) for name in names}
    options = {name: value for name, value in given.items() if value is not None}
    return options | ({"phrasing": False} if getattr(args, "prompt_as_typed", False) else {})
