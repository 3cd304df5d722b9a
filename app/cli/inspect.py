"""`main.py inspect`: what a checkpoint folder is, from its headers, without loading tensors."""

from __future__ import annotations

import argparse
import json

HELP = "describe a π0 checkpoint folder (any layout) without loading its weights"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The folder, and JSON output."""
    parser.add_argument("directory", metavar="DIR", help="checkpoint folder")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def run(args: argparse.Namespace) -> int:
    """Print one line per fact, then every problem found."""
    from pi0_core.describe import describe

    info = describe(args.directory)
    networks = ", ".join(
        f"{name} {info[name]['hidden_size']}x{info[name]['layers']}"
        for name in ("vision", "language", "expert")
    )
    lines = [
        f"layout       {info['layout']}",
        f"parameters   {info['parameters']:,} ({info['dtype']} on disk)",
        f"network      {networks}; image {info['image_size']}, {info['token_budget']} tokens",
        f"dims         state {info['state_dim']}, action {info['action_dim']}, "
        f"chunk {info['chunk_size']}, padded to {info['max_dim']}",
        f"cameras      {', '.join(info['cameras'] or []) or 'not given'}",
        f"stats        {info['stats'] or 'none'}",
        f"tokenizer    {info['tokenizer'] or 'none'}",
        f"convention   {info['convention'] or 'not given'}",
    ]
    if info["colour_map"]:
        lines.append(
            f"colour map   {info['colour_map']}: the images pass through a learned colour map "
            "(--teach-colour-map), which sees its taught colours alike"
        )
    lines += [f"problem      {problem}" for problem in info["problems"]] or ["problems     none"]
    print("\n".join(lines), flush=True)
    if args.json:
        print(json.dumps(info), flush=True)
    return 0
