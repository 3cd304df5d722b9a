"""`main.py teleop`: leader arms drive the followers, optionally recording episodes."""

from __future__ import annotations

import argparse
import contextlib
import sys

from drivers.seeds import SCENE_SEED

HELP = (
    "teleoperate (leaders drive followers) on ALOHA arms, the virtual bus, or the simulator "
    "with the scripted expert or the keyboard as leader; record episodes"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Robot, recording plan and duration."""
    parser.add_argument("--robot", choices=("virtual", "aloha", "sim"), default="virtual")
    parser.add_argument("--config", default=None, help="ALOHA config TOML (--robot aloha)")
    parser.add_argument("--task", default="transfer_cube", help="simulated task (virtual, sim)")
    parser.add_argument(
        "--seed",
        type=int,
        default=SCENE_SEED,
        help=f"simulator scene seed (virtual, sim; default {SCENE_SEED})",
    )
    parser.add_argument(
        "--leader",
        choices=("expert", "keyboard"),
        default=None,
        help="--robot sim: who plays the leader arms, the task's scripted expert (default) or "
        "you on the keyboard (end-effector moves; keys listed when it starts)",
    )
    parser.add_argument("--record", default=None, metavar="DIR", help="record episodes here")
    parser.add_argument("--episodes", type=int, default=1, help="episodes to record")
    parser.add_argument(
        "--episode-seconds",
        type=float,
        default=None,
        help="length of each (--leader expert: the task's episode length by default)",
    )
    parser.add_argument("--reset-seconds", type=float, default=3.0, help="pause between episodes")
    parser.add_argument("--prompt", default=None, help="instruction stored with each episode")
    parser.add_argument(
        "--squeeze-to-start",
        action="store_true",
        help="start each episode when both leader grippers are squeezed",
    )
    parser.add_argument("--seconds", type=float, default=None, help="stop after S seconds")
    parser.add_argument("--rate", type=float, default=50.0, help="control rate, Hz")


def run(args: argparse.Namespace) -> int:
    """Start teleoperation, run the recording plan or the given time, print the summary."""
    from app.runtime.headless import print_summary, watch
    from app.runtime.recorder import RecorderConfig, recording_folder
    from app.runtime.robots import make_robot, played_leaders, simulator_of
    from app.runtime.session import RobotSession
    from app.runtime.snapshot import Mode
    from app.runtime.terminal_keys import terminal_keys
    from drivers.sim.keyboard import HELP as KEYS_HELP

    leader = _leader(args)
    _check(args)
    if args.record:
        recording_folder(args.record)  # an unwritable folder is reported before the robot starts
    robot = make_robot(
        args.robot, task=args.task, config=args.config, seed=args.seed, leader=leader
    )
    if args.record and not robot.cameras:
        robot.disconnect()  # the virtual bus runs from make_robot on
        hint = " (add [cameras.cam_high] and the others to its config)" * (robot.kind == "aloha")
        raise ValueError(f"--record needs a camera and this {robot.kind} robot has none{hint}")
    recorder = RecorderConfig(
        fps=args.rate,
        reset_seconds=args.reset_seconds,
        squeeze_to_start=args.squeeze_to_start,
        robot=robot.kind,
        sim=args.robot != "aloha",
    )
    session = RobotSession(robot, rate_hz=args.rate, recorder=recorder)
    played = played_leaders(robot)
    keys = contextlib.nullcontext()
    if leader == "keyboard":
        keys = terminal_keys(played.press)
        print(f"keyboard leader: {KEYS_HELP}", flush=True)
    session.start()
    try:
        with keys:
            session.set_mode(Mode.TELEOP)
            done = _never
            if args.record:
                prompt = args.prompt or getattr(simulator_of(robot), "prompt", None) or ""
                session.recorder.set_folder(args.record)
                session.recorder.start_episodes(prompt, args.episodes, args.episode_seconds)
                done = session.recorder.is_idle
            elapsed = watch(session, args.seconds, done, out=lambda line: print(line, flush=True))
    finally:
        session.stop()
    for path in session.recorder.status().saved:
        print(f"saved {path}")
    return print_summary(session, elapsed)


def _never() -> bool:
    return False


def _leader(args: argparse.Namespace) -> str | None:
    """Who plays the leaders on the simulator (the expert by default); sets the expert's
    episode length as the default one."""
    if args.robot != "sim":
        if args.leader is not None:
            raise ValueError("--leader needs --robot sim (other robots have leader arms)")
        return None
    leader = args.leader or "expert"
    if leader == "keyboard" and not sys.stdin.isatty():
        raise ValueError("--leader keyboard reads keys from a terminal; stdin is not one")
    if leader == "expert" and args.episode_seconds is None:
        from drivers.sim.tasks import get_task
        from drivers.sim.world import CONTROL_PERIOD

        args.episode_seconds = get_task(args.task).episode_steps * CONTROL_PERIOD
    return leader


def _check(args: argparse.Namespace) -> None:
    if args.episodes < 1:
        raise ValueError("--episodes must be at least 1")
    for name in ("episode_seconds", "seconds", "rate"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise ValueError(f"--{name.replace('_', '-')} must be positive")
    if args.record and args.episode_seconds is None and args.episodes > 1:
        raise ValueError("--episodes > 1 needs --episode-seconds (or stop each one by hand)")
    if args.record and args.prompt is None and args.robot == "aloha":
        raise ValueError("--prompt is required when recording on ALOHA arms")
