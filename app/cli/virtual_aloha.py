"""`main.py virtual-aloha`: a virtual ALOHA (four servo chains) on pseudo-terminals."""

from __future__ import annotations

import argparse
import contextlib
import json
import time

from drivers.seeds import SCENE_SEED

HELP = "serve a virtual ALOHA on four pseudo-terminals (Dynamixel Protocol 2.0)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Backend, task, and where to put stable links to the ptys."""
    parser.add_argument(
        "--backend",
        choices=("sim", "static"),
        default="sim",
        help="sim: followers drive the simulator, leaders replay a demonstration; "
        "static: ideal servos",
    )
    parser.add_argument("--task", default="transfer_cube", help="simulated task (sim backend)")
    parser.add_argument(
        "--seed",
        type=int,
        default=SCENE_SEED,
        help=f"scene seed (sim backend; default {SCENE_SEED})",
    )
    parser.add_argument("--gripper-profile", default="aloha2", help="aloha or aloha2")
    parser.add_argument("--link-dir", help="also make <DIR>/<role> links to the ptys")
    parser.add_argument("--seconds", type=float, help="stop after this long (default: Ctrl-C)")
    parser.add_argument("--json", action="store_true", help="print the ports as one JSON line")


def run(args: argparse.Namespace) -> int:
    """Start the bus, print the port of each arm, serve until Ctrl-C or --seconds."""
    if args.backend == "sim":
        from drivers.sim.tasks import get_task

        get_task(args.task)  # a typo is a one-line error before anything starts
    from drivers.virtual_bus import VirtualAloha

    virtual = VirtualAloha(
        args.backend,
        args.task,
        seed=args.seed,
        gripper_profile=args.gripper_profile,
        link_dir=args.link_dir,
    )
    with virtual:
        ports = virtual.ports
        for role, path in ports.items():
            print(f"{role:15s} {path}")
        print("# for a robot.toml:\n[ports]")
        for role, path in ports.items():
            print(f'{role} = "{path}"')
        if args.json:
            print(json.dumps({"backend": args.backend, "ports": ports}))
        print("serving; Ctrl-C to stop", flush=True)
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the normal way to stop
            _serve(args.seconds)
    return 0


def _serve(seconds: float | None) -> None:
    deadline = None if seconds is None else time.monotonic() + seconds
    while deadline is None or time.monotonic() < deadline:
        time.sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))
