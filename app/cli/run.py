"""`main.py run`: drive a robot with a policy and a prompt, headless."""

from __future__ import annotations

import argparse

from app.cli.checkpoint_options import add_checkpoint_options, checkpoint_options
from app.cli.gui import add_allow_uncalibrated
from app.runtime.execution import (
    DEFAULT_EXECUTION,
    DEFAULT_GUIDANCE,
    EXECUTION_MODES,
    GUIDANCE_VARIANTS,
)
from drivers.seeds import SCENE_SEED

HELP = "run a policy on the simulator, the virtual bus or ALOHA arms, printing telemetry"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Robot, policy, prompt, duration and optional recording."""
    parser.add_argument("--robot", choices=("sim", "virtual", "aloha"), default="sim")
    parser.add_argument("--checkpoint", default=None, help="policy directory (default: bundled)")
    parser.add_argument("--prompt", default=None, help="instruction (sim default: the task's)")
    parser.add_argument("--task", default="pick_color", help="simulator task (sim, virtual)")
    parser.add_argument(
        "--seed", type=int, default=SCENE_SEED, help=f"simulator scene seed (default {SCENE_SEED})"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="stop after S seconds (sim default: the task's episode length; else until Ctrl-C)",
    )
    parser.add_argument("--record", default=None, metavar="DIR", help="record the run here")
    parser.add_argument("--config", default=None, help="ALOHA config TOML (--robot aloha)")
    parser.add_argument(
        "--replan",
        type=float,
        default=0.5,
        help="fraction of a chunk executed before asking for the next one",
    )
    parser.add_argument(
        "--execution",
        choices=EXECUTION_MODES,
        default=None,
        help=f"how chunks are executed (default {DEFAULT_EXECUTION}; see docs/latency.md)",
    )
    parser.add_argument(
        "--execution-horizon",
        type=int,
        default=None,
        metavar="TICKS",
        help="ticks of a chunk executed before the next request (default: --replan of a chunk)",
    )
    parser.add_argument(
        "--guidance",
        choices=GUIDANCE_VARIANTS,
        default=DEFAULT_GUIDANCE,
        help=f"rtc's guidance (default {DEFAULT_GUIDANCE})",
    )
    parser.add_argument(
        "--blend", action="store_true", help="cross-fade overlapping chunks (= --execution blend)"
    )
    parser.add_argument("--device", default=None, help="torch device for the policy")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the sampler first (slow once per machine, then faster)",
    )
    parser.add_argument("--rate", type=float, default=50.0, help="control rate, Hz")
    add_allow_uncalibrated(parser)
    add_checkpoint_options(parser)


def run(args: argparse.Namespace) -> int:
    """Load the policy, start the session in policy mode, watch it, print the summary."""
    if args.seconds is not None and args.seconds <= 0:
        raise ValueError("--seconds must be positive")
    if args.rate <= 0:
        raise ValueError("--rate must be positive")
    if args.blend and args.execution not in (None, "blend"):
        raise ValueError(f"--blend contradicts --execution {args.execution}")
    from app.runtime.headless import print_summary, watch
    from app.runtime.policy_runner import RunnerConfig
    from app.runtime.recorder import RecorderConfig, recording_folder
    from app.runtime.robots import find_config, make_robot, simulator_of
    from app.runtime.session import RobotSession
    from app.runtime.snapshot import Mode
    from pi0_core.bundled import BUNDLED_CHECKPOINT
    from pi0_core.policy import Policy

    if args.robot == "aloha":
        find_config(args.config)  # a missing config is reported before the policy loads
    if args.record:
        recording_folder(args.record)  # and an unwritable recording folder
    checkpoint = args.checkpoint or BUNDLED_CHECKPOINT
    policy = Policy.load(
        checkpoint, device=args.device, compile=args.compile, **checkpoint_options(args)
    )
    robot = make_robot(
        args.robot,
        task=args.task,
        config=args.config,
        seed=args.seed,
        cameras=tuple(policy.cameras),
    )
    sim = simulator_of(robot)
    prompt = args.prompt or getattr(sim, "prompt", None)
    if not prompt:
        raise ValueError("--prompt is required on this robot")
    seconds = args.seconds
    if seconds is None and sim is not None:
        from drivers.sim.tasks import get_task

        seconds = get_task(args.task).episode_steps / args.rate
    execution = "blend" if args.blend else args.execution or DEFAULT_EXECUTION
    runner = RunnerConfig(
        execution=execution,
        execution_horizon=args.execution_horizon,
        replan_fraction=args.replan,
        guidance=args.guidance,
    )
    recorder = RecorderConfig(fps=args.rate, robot=robot.kind, sim=robot.kind != "aloha")
    session = RobotSession(
        robot,
        policy,
        rate_hz=args.rate,
        runner=runner,
        recorder=recorder,
        allow_uncalibrated=args.allow_uncalibrated,
    )
    print(f"robot {args.robot}, policy {checkpoint}, prompt {prompt!r}", flush=True)
    told = policy.told(prompt)
    if told != prompt:
        print(f"said to the policy as trained: {told!r}", flush=True)
    session.start()
    try:
        session.set_prompt(prompt)
        if args.record:
            session.recorder.set_folder(args.record)
            session.recorder.start_episode(prompt)
        session.set_mode(Mode.POLICY)
        elapsed = watch(session, seconds, out=lambda line: print(line, flush=True))
    finally:
        session.stop()
    return print_summary(session, elapsed)
