"""Entry point of `python main.py` and the `pi0studio` console script."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

# Subcommand name -> module under app.cli. Each module has HELP, add_arguments(parser), run(args).
SUBCOMMANDS = {
    "validate": "app.cli.validate",
    "export": "app.cli.export",
    "bench": "app.cli.bench",
    "train": "app.cli.train",
    "run": "app.cli.run",
    "teleop": "app.cli.teleop",
    "demos": "app.cli.demos",
    "eval": "app.cli.eval",
    "first-chunk": "app.cli.first_chunk",
    "binding": "app.cli.binding",
    "devices": "app.cli.devices",
    "virtual-aloha": "app.cli.virtual_aloha",
    "safety": "app.cli.safety",
    "inspect": "app.cli.inspect",
    "convert": "app.cli.convert",
}


class CliError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The parser for the GUI options and every subcommand."""
    parser = argparse.ArgumentParser(
        prog="pi0studio",
        description="pi0 Studio: run, record and fine-tune π0 on ALOHA arms or the simulator. "
        "With no subcommand, opens the desktop app.",
    )
    parser.add_argument("--debug", action="store_true", help="show full tracebacks and debug logs")
    from app.cli import gui

    gui.add_arguments(parser)
    subparsers = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, run the command, turn failures into a one-line error."""
    os.environ.setdefault("MUJOCO_GL", "egl")
    os.environ.setdefault("PYOPENGL_PLATFORM", os.environ["MUJOCO_GL"])
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    module_name = SUBCOMMANDS.get(args.command, "app.cli.gui")
    try:
        return int(importlib.import_module(module_name).run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure becomes one line unless --debug
        if args.debug:
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    text = message[0] if message else type(exc).__name__
    if isinstance(exc, (FileNotFoundError, PermissionError)) and exc.filename and not message:
        text = f"{exc.strerror}: {exc.filename}"
    return text
