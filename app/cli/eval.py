"""`main.py eval`: closed-loop success rate of a policy (or the scripted expert), simulated."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from app.cli.checkpoint_options import add_checkpoint_options, checkpoint_options
from app.cli.demos import parse_size, quiet_render_logs
from app.runtime.execution import DEFAULT_EXECUTION, DEFAULT_GUIDANCE, GUIDANCE_VARIANTS

HELP = "closed-loop evaluation in the simulator: success rate over seeded episodes"
BUNDLED = "bundled"  # --checkpoint with no directory


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Task, episodes, seeds, and which policy to run."""
    parser.add_argument(
        "--task",
        required=True,
        help="transfer_cube, insertion, pick_color, place_cube or pick_yellow",
    )
    parser.add_argument("--episodes", type=int, default=50, help="episodes to run (default 50)")
    parser.add_argument(
        "--seed", type=int, default=100_000, help="first seed (default 100000, apart from demos)"
    )
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--policy", choices=("scripted",), help="run the scripted expert")
    which.add_argument(
        "--checkpoint",
        nargs="?",
        const=BUNDLED,
        default=BUNDLED,
        metavar="DIR",
        help="policy checkpoint directory (default, or no DIR: the bundled policy)",
    )
    parser.add_argument(
        "--replan", type=int, default=25, help="steps of each action chunk to execute (default 25)"
    )
    add_latency_arguments(parser)
    parser.add_argument(
        "--size",
        type=parse_size,
        default=None,
        help="camera image HEIGHTxWIDTH given to the policy (default: the size it was trained on)",
    )
    parser.add_argument("--device", default=None, help="torch device for the policy (cpu, cuda)")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="torch.compile the sampler first (slow once per machine, then faster)",
    )
    parser.add_argument("--video", metavar="DIR", help="write one cam_high MP4 per episode here")
    parser.add_argument(
        "--shown-as",
        metavar="NEW=KNOWN",
        help="show the policy each observation as `train --teach-as` shows its teacher: NEW's "
        "colour repainted as KNOWN's and the word NEW said as KNOWN (lockstep only)",
    )
    parser.add_argument(
        "--robot",
        choices=("sim", "virtual"),
        default=None,
        help="run each episode in real time through the app's session on this robot (virtual: "
        "the real Dynamixel driver on the virtual bus); default: lockstep simulation",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    add_checkpoint_options(parser)


def add_latency_arguments(parser: argparse.ArgumentParser) -> None:
    """How chunks are executed and how late they arrive (default: lockstep, as before)."""
    late = parser.add_mutually_exclusive_group()
    late.add_argument(
        "--latency-ms",
        type=float,
        default=None,
        metavar="L",
        help="each chunk arrives L ms after its observation; the simulator runs on meanwhile "
        "(with --robot: no chunk is used sooner than L ms after its inference started, so "
        "every robot runs at the same delay whatever the CPU's load)",
    )
    late.add_argument(
        "--delay-ticks",
        type=int,
        default=None,
        metavar="D",
        help="each chunk arrives D control ticks (20 ms) after its observation (with --robot: "
        "at least D ticks, as --latency-ms)",
    )
    parser.add_argument(
        "--prompts",
        default=None,
        metavar="SET",
        help="prompt each episode with a phrasing drawn from a set: train or held-out (the "
        "prompt grammar's, pi0_core/train/prompt_grammar.py), or FILE with one phrasing per "
        "line, {color} where pick_color's colour goes, the scene's own; each episode is "
        "judged on what its prompt names, as the app judges it (default: the scene's prompt)",
    )
    parser.add_argument(
        "--execution",
        choices=("sync", "naive", "blend", "rtc"),
        default=None,
        help="how chunks are executed, as in the app (default: sync, the robot waits, in the "
        f"lockstep evaluation; {DEFAULT_EXECUTION} with --robot, as the app runs)",
    )
    parser.add_argument(
        "--guidance",
        choices=GUIDANCE_VARIANTS,
        default=DEFAULT_GUIDANCE,
        help=f"rtc's guidance: the paper's vector-Jacobian product or Jacobian-free "
        f"(default {DEFAULT_GUIDANCE})",
    )


def delay_ticks_of(args: argparse.Namespace) -> int:
    """The --latency-ms or --delay-ticks option as control ticks (0 when neither is given)."""
    from app.runtime.sim_execution import delay_ticks_for

    if args.delay_ticks is not None:
        if args.delay_ticks < 0:
            raise ValueError(f"--delay-ticks must be >= 0, got {args.delay_ticks}")
        return args.delay_ticks
    if args.latency_ms is not None:
        if not args.latency_ms >= 0:
            raise ValueError(f"--latency-ms must be >= 0, got {args.latency_ms:g}")
        return delay_ticks_for(args.latency_ms)
    return 0


def add_check_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every check of a policy's first chunk takes: which policy (the bundled one
    by default), which chunk step, which device, and JSON output."""
    parser.add_argument(
        "--checkpoint",
        nargs="?",
        const=BUNDLED,
        default=BUNDLED,
        metavar="DIR",
        help="policy checkpoint directory (default: the bundled policy)",
    )
    parser.add_argument("--step", type=int, help="chunk step compared (default: the last)")
    parser.add_argument("--device", default=None, help="torch device for the policy (cpu, cuda)")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def run(args: argparse.Namespace) -> int:
    """Evaluate and print one line (and the JSON object with --json)."""
    quiet_render_logs()  # before the simulator imports PyOpenGL
    from tqdm import tqdm

    from drivers.sim.evaluate import evaluate, render_size_for
    from drivers.sim.tasks import get_task

    task = get_task(args.task).name  # a typo fails before a model is loaded
    if args.episodes < 1:
        raise ValueError(f"--episodes must be at least 1, got {args.episodes}")
    if args.replan < 1:
        raise ValueError(f"--replan must be at least 1, got {args.replan}")
    from app.runtime.sim_execution import scheduled_controllers

    delay_ticks = delay_ticks_of(args)
    if args.robot is not None:
        set_latency_ms(args)  # refused before a model is loaded
    phrase = prompt_phrase(task, args.prompts)
    teach = _shown_as(args)  # refused before a model is loaded
    if args.execution is None:
        args.execution = DEFAULT_EXECUTION if args.robot is not None else "sync"
    controllers = scheduled_controllers(args.execution, delay_ticks, args.guidance)
    policy = (
        None
        if args.policy == "scripted"
        else load_policy(
            args.checkpoint, args.device, args.seed, args.compile, checkpoint_options(args)
        )
    )
    if teach is not None:
        from pi0_core.train.teach_as import ShownAs

        policy = ShownAs(policy, teach)
    size = args.size or render_size_for(policy)
    with tqdm(total=args.episodes, desc=f"eval {task}", unit="episode", file=sys.stderr) as bar:
        if args.robot is not None:
            report = _evaluate_live(args, task, policy, size, lambda outcome: bar.update(1), phrase)
        else:
            report = evaluate(
                task,
                policy,
                args.episodes,
                seed=args.seed,
                replan=args.replan,
                image_size=size,
                video_dir=args.video,
                on_episode=lambda outcome: bar.update(1),
                controller=controllers,
                execution=args.execution,
                delay_ticks=delay_ticks,
                phrase=phrase,
                prompt_set=args.prompts,
            )
    print(
        f"{task}: {report.successes}/{len(report.outcomes)} successful "
        f"({100 * report.success_rate:.1f}%), {report.seconds_per_episode:.2f} s per episode",
        flush=True,
    )
    summary = report.summary()
    print(
        f"  execution {args.execution}, delay {delay_ticks} ticks: {_smoothness_text(summary)}",
        flush=True,
    )
    reached = ", ".join(f"{name} {count}" for name, count in report.stages_reached().items())
    print(f"  episodes reaching each stage: {reached}", flush=True)
    if phrase is not None and getattr(policy, "phrasing", None) is not None:
        print(
            "  prompts said to the network in its trained phrasing (pi0_core/phrasing.py); "
            "--prompt-as-typed for the network alone",
            flush=True,
        )
    if args.json:
        summary = report.summary() | ({"robot": args.robot} if args.robot else {})
        if args.shown_as is not None:
            summary["shown_as"] = args.shown_as
        if policy is not None:
            phrased = getattr(policy, "phrasing", None) is not None
            summary["prompt_phrasing"] = "as trained" if phrased else "as typed"
        print(json.dumps(summary), flush=True)
    return 0


def _shown_as(args: argparse.Namespace):
    """--shown-as: the TeachAs whose teacher's view the policy is shown, or None."""
    if args.shown_as is None:
        return None
    if args.policy == "scripted" or args.robot is not None:
        raise ValueError("--shown-as evaluates a checkpoint in the lockstep simulation")
    from app.cli.train import teach_as_of

    return teach_as_of(args.shown_as, "--shown-as")


def _smoothness_text(summary: dict) -> str:
    """The commanded joints' smoothness figures in words (either may be missing)."""
    step, jerk = summary["max_switch_step"], summary["mean_abs_jerk"]
    step_text = "no chunk replaced another" if step is None else f"largest switch step {step} rad"
    return step_text + ("" if jerk is None else f", mean |jerk| {jerk} rad/s³")


def _evaluate_live(args: argparse.Namespace, task: str, policy, size, on_episode, phrase):
    """Real-time episodes on the app's own session (`--robot sim|virtual`)."""
    if policy is None:
        raise ValueError("--robot evaluates a checkpoint; the scripted expert runs lockstep only")
    if args.video:
        raise ValueError("--video is for the lockstep evaluation; drop --robot to record videos")
    from app.runtime.live_eval import evaluate_live
    from app.runtime.policy_runner import RunnerConfig

    chunk = getattr(policy, "chunk_size", 50)
    runner = RunnerConfig(
        execution=args.execution,
        replan_fraction=min(1.0, args.replan / chunk),
        guidance=args.guidance,
        min_latency_ms=set_latency_ms(args),
    )
    report = evaluate_live(
        args.robot,
        task,
        policy,
        args.episodes,
        seed=args.seed,
        runner=runner,
        image_size=size,
        on_episode=on_episode,
        phrase=phrase,
        prompt_set=args.prompts,
    )
    return replace(report, execution=args.execution)


def set_latency_ms(args: argparse.Namespace) -> float:
    """--latency-ms, or --delay-ticks in ms, for a real-time evaluation (0: as fast as it is)."""
    from app.runtime.policy_runner import MAX_SET_LATENCY_MS
    from app.runtime.sim_execution import CONTROL_PERIOD

    if args.delay_ticks is not None:
        latency = args.delay_ticks * CONTROL_PERIOD * 1000
    else:
        latency = float(args.latency_ms or 0.0)
    if latency > MAX_SET_LATENCY_MS:
        raise ValueError(
            f"a set latency of {latency:g} ms is more than the {MAX_SET_LATENCY_MS:g} ms a robot "
            "can wait for its next chunk"
        )
    return latency


def load_policy(
    checkpoint: str,
    device: str | None,
    seed: int,
    compile: bool = False,
    options: dict | None = None,
) -> object:
    """The pi0 Policy of a checkpoint directory (or the bundled one).

    The sampling noise is seeded too, so the same command gives the same episodes.
    """
    if checkpoint == BUNDLED:
        from pi0_core.bundled import BUNDLED_CHECKPOINT

        path = BUNDLED_CHECKPOINT
    else:
        path = Path(checkpoint)
    if not path.is_dir():
        raise FileNotFoundError(f"no checkpoint directory at {path}")
    import torch

    from pi0_core.policy import Policy

    policy = Policy.load(path, device=device, compile=compile, **(options or {}))
    torch.manual_seed(seed)
    return policy


def prompt_phrase(task: str, source: str | None):
    """`--prompts`: (scene prompt, colour, seed) -> the episode's prompt, or None (the scene's)."""
    if source is None:
        return None
    from pi0_core.train.prompt_grammar import PROMPT_SETS, episode_prompt, read_prompt_file

    if source not in PROMPT_SETS:
        read_prompt_file(source)  # a missing or empty file: one line, before any episode
    return lambda prompt, color, seed: episode_prompt(task, source, seed, color)
