"""`main.py validate PATH...`: check episode files, one line per file."""

from __future__ import annotations

import argparse
import sys

HELP = "check HDF5 episodes (files or folders): one line per file, exit 0 only if all are OK"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Paths to episode files or folders of them."""
    parser.add_argument("paths", nargs="+", metavar="PATH", help="episode file or folder")


def run(args: argparse.Namespace) -> int:
    """Print `PATH: OK (...)` or `PATH: what is wrong` per file; 1 if any is not OK."""
    from recordings.validate import validate_path

    results = [result for path in args.paths for result in validate_path(path)]
    for result in results:
        print(f"{result.path}: {result.message}", flush=True)
    bad = sum(not result.ok for result in results)
    if len(results) > 1:
        print(f"{len(results) - bad} of {len(results)} OK", file=sys.stderr)
    return 1 if bad else 0
