"""`main.py safety`: the safety envelope in force per joint, and where each number comes from."""

from __future__ import annotations

import argparse
import json

HELP = "print the safety envelope per joint: range (rad and ticks), speed limit, their sources"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--config for real arms (default robot: the simulator), --json for one object."""
    parser.add_argument("--config", default=None, help="ALOHA config TOML (implies --robot aloha)")
    parser.add_argument("--robot", choices=("sim", "aloha"), default=None)
    parser.add_argument("--rate", type=float, default=50.0, help="control rate, Hz (steps/tick)")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def run(args: argparse.Namespace) -> int:
    """Build the robot (nothing is connected), its envelope and settings, and print them."""
    from app.runtime.envelope import envelope_for
    from app.runtime.robots import make_robot, safety_for, uncalibrated_arms

    if args.rate <= 0:
        raise ValueError("--rate must be positive")
    kind = args.robot or ("aloha" if args.config else "sim")
    robot = make_robot(kind, config=args.config, cameras=())
    envelope = envelope_for(robot)
    config = safety_for(robot)
    rows = envelope.rows()
    print(f"safety envelope of the {kind} robot ({len(rows)} joints, {args.rate:g} Hz)")
    print(f"{'joint':22s} {'range':>20s} {'ticks':>12s} {'speed':>16s}  sources (range; speed)")
    for row in rows:
        ticks = "" if row["lo_ticks"] is None else f"{row['lo_ticks']}..{row['hi_ticks']}"
        print(
            f"{row['joint']:22s} {row['lo']:9.3f}..{row['hi']:<9.3f} {ticks:>12s} "
            f"{row['speed']:7.3f} {row['speed_unit']:>8s}  {row['range_source']}; "
            f"{row['speed_source']}"
        )
    missing = uncalibrated_arms(robot)
    settings = {
        "watchdog_s": config.watchdog_s,
        "estop_action": config.estop_action,
        "gripper_effort_limit": config.gripper_effort_limit,
        "allow_uncalibrated": config.allow_uncalibrated,
        "out_of_range_ticks": config.out_of_range_ticks,
        "uncalibrated": missing,
    }
    print(
        f"watchdog {config.watchdog_s:g} s, e-stop {config.estop_action}, gripper effort limit "
        f"{config.gripper_effort_limit}, out of range for {config.out_of_range_ticks} ticks: stop"
    )
    if missing:
        print(f"policy mode refused until calibrated: {', '.join(missing)}")
    if args.json:
        print(json.dumps({"robot": kind, "rate_hz": args.rate, "joints": rows, **settings}))
    return 0
