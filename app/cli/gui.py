"""Default command: open the desktop app (the only path that imports Qt)."""

from __future__ import annotations

import argparse

from app.cli.checkpoint_options import add_checkpoint_options

HELP = "open the desktop app (default)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """GUI options; they sit on the top-level parser because the GUI is the default."""
    parser.add_argument(
        "--robot", choices=("sim", "virtual", "aloha"), default="sim", help="robot to drive"
    )
    parser.add_argument("--task", default="pick_color", help="simulator task (with --robot sim)")
    parser.add_argument("--config", help="robot config file (TOML) for --robot aloha")
    parser.add_argument("--checkpoint", help="policy checkpoint directory (default: bundled)")
    add_allow_uncalibrated(parser)
    add_checkpoint_options(parser)
    parser.add_argument(
        "--compile", action="store_true", help="compile the policy's sampler (faster, slow once)"
    )
    parser.add_argument("--screenshot", metavar="DIR", help="save one PNG per tab and exit")
    parser.add_argument(
        "--settings", metavar="FILE", help="keep the app's settings in this INI file"
    )


def run(args: argparse.Namespace) -> int:
    """Start the Qt application."""
    from app.ui.application import run_app

    return run_app(args)


def add_allow_uncalibrated(parser: argparse.ArgumentParser) -> None:
    """The one way to run a policy on real arms that have no calibration file."""
    parser.add_argument(
        "--allow-uncalibrated",
        action="store_true",
        help="run a policy on real arms without a calibration file (not recommended)",
    )
