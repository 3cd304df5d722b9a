"""`main.py convert`: rewrite a checkpoint of any layout as ours, or ours as LeRobot's pi0."""

from __future__ import annotations

import argparse

from app.cli.checkpoint_options import add_checkpoint_options, checkpoint_options

HELP = "convert a π0 checkpoint (any layout) to pi0 Studio's layout, or to LeRobot's pi0"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Source folder, output folder, target layout, and what the source lacks."""
    parser.add_argument("source", metavar="SRC", help="checkpoint folder (any layout)")
    parser.add_argument("--out", required=True, metavar="DIR", help="new folder to write")
    parser.add_argument("--to", choices=("pi0studio", "lerobot"), default="pi0studio")
    add_checkpoint_options(parser, phrasing=False)


def run(args: argparse.Namespace) -> int:
    """Load the source strictly (keeping its dtype on disk), write it in the target layout."""
    import torch

    from pi0_core.checkpoint import check_files
    from pi0_core.convert import convert
    from pi0_core.header import disk_dtype, read_headers
    from pi0_core.policy import Policy

    dtype = disk_dtype(read_headers(check_files(args.source)))
    policy = Policy.load(
        args.source,
        device="cpu",
        dtype=torch.bfloat16 if dtype == "bfloat16" else torch.float32,
        **checkpoint_options(args),
    )
    out = convert(policy, args.out, to=args.to)
    print(f"wrote {out} ({args.to} layout, {policy.layout} source, {policy.spec.adapter})")
    return 0
