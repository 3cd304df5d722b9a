"""`main.py export PATH... --to lerobot|hdf5 --out DIR`: episodes from one format to the other."""

from __future__ import annotations

import argparse

from app.cli.validate import add_camera_map_argument

HELP = "convert episodes: HDF5 (ours or ALOHA's) to a LeRobot v3.0 dataset, or back to HDF5"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Inputs, target format and folder, video settings."""
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="HDF5 episode file or folder, or LeRobot dataset"
    )
    parser.add_argument("--to", required=True, choices=("lerobot", "hdf5"), help="target format")
    parser.add_argument("--out", required=True, help="new folder to write (must not exist)")
    parser.add_argument("--fps", type=float, help="frame rate (default: the episodes')")
    parser.add_argument(
        "--codec", choices=("av1", "h264"), default="av1", help="video codec (default av1)"
    )
    add_camera_map_argument(parser)


def run(args: argparse.Namespace) -> int:
    """Export, then print where the result is."""
    from recordings.export import export

    out = export(args.paths, args.to, args.out, args.fps, args.codec, args.camera_map)
    print(f"wrote {out}")
    return 0
