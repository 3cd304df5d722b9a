"""`main.py demos`: scripted demonstrations in the simulator, written as HDF5 episodes."""

from __future__ import annotations

import argparse
import logging

HELP = "write scripted simulator demonstrations (HDF5 episodes) for a task"


def quiet_render_logs() -> None:
    """PyOpenGL announces at INFO level that it runs without its C speed-up; nobody needs that."""
    logging.getLogger("OpenGL").setLevel(logging.WARNING)


def parse_size(text: str) -> tuple[int, int]:
    """`HEIGHTxWIDTH` -> (height, width)."""
    try:
        height, width = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 480x640, got {text!r}") from None
    if min(height, width) < 8 or max(height, width) > 4096:
        raise argparse.ArgumentTypeError(f"size must be between 8 and 4096 pixels, got {text!r}")
    return height, width


def parse_cameras(text: str) -> tuple[str, ...]:
    """`cam_high,cam_left_wrist` -> ("cam_high", "cam_left_wrist")."""
    cameras = tuple(name.strip() for name in text.split(",") if name.strip())
    if not cameras:
        raise argparse.ArgumentTypeError("name at least one camera")
    return cameras


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Task, how many episodes, where, and how the images are recorded."""
    parser.add_argument(
        "--task",
        required=True,
        help="transfer_cube, insertion, pick_color, place_cube or pick_yellow",
    )
    parser.add_argument("--episodes", type=int, required=True, help="successful episodes to write")
    parser.add_argument("--out", required=True, help="folder for episode_<i>.hdf5 files")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument(
        "--cameras",
        type=parse_cameras,
        default=("cam_high", "cam_left_wrist", "cam_right_wrist"),
        help="comma-separated cameras (default cam_high,cam_left_wrist,cam_right_wrist)",
    )
    parser.add_argument(
        "--size", type=parse_size, default=(480, 640), help="image HEIGHTxWIDTH (default 480x640)"
    )
    parser.add_argument("--compress", action="store_true", help="store images as JPEG")


def run(args: argparse.Namespace) -> int:
    """Generate, then print one summary line."""
    quiet_render_logs()  # before the simulator imports PyOpenGL
    from drivers.sim.demos import generate_episodes

    summary = generate_episodes(
        args.task,
        args.episodes,
        args.out,
        seed=args.seed,
        cameras=args.cameras,
        size=args.size,
        compress=args.compress,
        progress=True,
    )
    print(
        f"{args.task}: wrote {len(summary.written)} episodes to {args.out}, "
        f"{summary.retries} failed seeds retried, "
        f"{summary.seconds_per_episode:.1f} s per episode",
        flush=True,
    )
    return 0
