"""`main.py validate PATH...`: check episode files, one line per file."""

from __future__ import annotations

import argparse
import sys

HELP = (
    "check HDF5 episodes (files or folders) and LeRobot dataset folders: one line per episode, "
    "exit 0 only if all are OK"
)


def _camera_map(text: str) -> dict[str, str]:
    from recordings.lerobot.names import parse_camera_map

    try:
        return parse_camera_map(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def add_camera_map_argument(parser: argparse.ArgumentParser) -> None:
    """`--camera-map THEIRS=OURS,...` for LeRobot datasets (shared by the commands that read)."""
    parser.add_argument(
        "--camera-map",
        type=_camera_map,
        metavar="THEIRS=OURS,...",
        help="LeRobot datasets: camera names to ours, e.g. front=cam_high,wrist=cam_left_wrist "
        "(default: top=cam_high, other names kept)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Paths to episode files, folders of them, or LeRobot dataset folders."""
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="episode file, folder, or LeRobot dataset folder"
    )
    add_camera_map_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Print `PATH: OK (...)` or `PATH: what is wrong` per file; 1 if any is not OK."""
    from recordings.validate import validate_path

    camera_map = getattr(args, "camera_map", None)
    results = [result for path in args.paths for result in validate_path(path, camera_map)]
    for result in results:
        print(f"{result.path}: {result.message}", flush=True)
    bad = sum(not result.ok for result in results)
    if len(results) > 1:
        print(f"{len(results) - bad} of {len(results)} OK", file=sys.stderr)
    return 1 if bad else 0
