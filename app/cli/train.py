"""`main.py train`: fine-tune π0 (or train a preset from scratch) on recorded episodes."""

from __future__ import annotations

import argparse

HELP = "train a π0 policy on recorded episodes (torchrun for several GPUs/processes)"


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _crop(text: str) -> tuple[str, tuple[float, ...]]:
    camera, _, numbers = text.partition("=")
    try:
        values = tuple(float(v) for v in numbers.split(","))
    except ValueError:
        values = ()
    if not camera.strip() or len(values) != 4:
        raise argparse.ArgumentTypeError(
            f"expected CAMERA=TOP,LEFT,BOTTOM,RIGHT (fractions), got {text!r}"
        )
    return camera.strip(), values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the train subcommand."""
    parser.add_argument("--data", type=_csv, help="episode folders/files, comma-separated")
    parser.add_argument("--out", required=True, help="output directory")
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--preset", help="train from scratch: tiny or pi0")
    start.add_argument("--init", help="start from this checkpoint directory")
    parser.add_argument(
        "--stats",
        choices=("init", "data", "merge"),
        help="with --init, normalise with the checkpoint's statistics (init, the default), the "
        "new data's (data), or the checkpoint's widened where the data need it (merge)",
    )
    parser.add_argument("--steps", type=int, help="optimiser steps (default 20000)")
    parser.add_argument("--batch-size", type=int, help="samples per process per step (default 32)")
    parser.add_argument("--lr", type=float, help="peak learning rate (default: by preset)")
    parser.add_argument(
        "--warmup-steps",
        type=int,
        help="linear warm-up steps (default: 5%% of --steps, at most 500)",
    )
    parser.add_argument(
        "--ema-decay",
        type=float,
        help="decay of the weights' moving average that checkpoints hold (default: a horizon of "
        "a tenth of --steps, 0.9-0.999)",
    )
    parser.add_argument("--lora", action="store_true", help="LoRA on language model and expert")
    parser.add_argument("--no-augment", action="store_true", help="no image augmentation")
    parser.add_argument(
        "--colour-augment-only",
        action="store_true",
        help="no random crop/rotation of fixed cameras (keeps colour jitter)",
    )
    parser.add_argument(
        "--grad-checkpointing", action="store_true", help="recompute activations: less memory"
    )
    parser.add_argument(
        "--state-dropout",
        type=float,
        help="chance of hiding a sample's robot state, so the images must carry the task (0)",
    )
    parser.add_argument(
        "--object-loss",
        type=float,
        help="weight of an auxiliary loss: predict the simulator's object positions from the "
        "image tokens (needs demos written by `demos`; default 0, off)",
    )
    parser.add_argument(
        "--named-loss",
        type=float,
        help="weight of an auxiliary loss: predict the position of the object the prompt names "
        "by its colour from the language model's image tokens (needs demos written by `demos`; "
        "default 0, off)",
    )
    parser.add_argument(
        "--start-weight",
        type=float,
        help="draw samples from the first --start-steps of each episode this many times as "
        "often (default 1)",
    )
    parser.add_argument(
        "--start-steps", type=int, help="steps counted as an episode's start (default 50)"
    )
    parser.add_argument(
        "--grasp-weight",
        type=float,
        help="draw samples whose action chunk closes a gripper (within --grasp-steps) this many "
        "times as often (default 1; ALOHA's 14-dim actions)",
    )
    parser.add_argument(
        "--grasp-steps",
        type=int,
        help="how many steps ahead of a gripper closing a sample counts (default 50)",
    )
    parser.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    parser.add_argument(
        "--stop-at",
        type=int,
        metavar="STEP",
        help="end this session at STEP with its resume state saved, as an interruption would "
        "(the learning-rate schedule still spans --steps)",
    )
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--eval-task", help="simulator task to evaluate on")
    parser.add_argument("--eval-every", type=int, help="evaluate every K steps")
    parser.add_argument("--eval-episodes", type=int, help="rollouts per evaluation (default 10)")
    parser.add_argument("--cameras", type=_csv, help="subset of the data's cameras, in order")
    parser.add_argument("--prompt", help="prompt for episodes that have none")
    parser.add_argument(
        "--crop",
        action="append",
        type=_crop,
        metavar="CAMERA=TOP,LEFT,BOTTOM,RIGHT",
        help="the region of a camera the model sees, as fractions (repeat per camera)",
    )
    parser.add_argument("--save-every", type=int, help="checkpoint every K steps (default 2000)")
    parser.add_argument("--log-every", type=int, help="metrics line every K steps (default 10)")
    parser.add_argument("--num-workers", type=int, help="data loading processes (default 1)")
    parser.add_argument("--threads", type=int, help="torch threads per process (default: share)")


# CLI option -> TrainConfig field, for options whose default lives in TrainConfig.
_FIELDS = {
    "stats": "stats",
    "steps": "steps",
    "batch_size": "batch_size",
    "lr": "lr",
    "warmup_steps": "warmup_steps",
    "ema_decay": "ema_decay",
    "seed": "seed",
    "eval_task": "eval_task",
    "eval_every": "eval_every",
    "eval_episodes": "eval_episodes",
    "cameras": "cameras",
    "prompt": "prompt",
    "save_every": "save_every",
    "log_every": "log_every",
    "num_workers": "num_workers",
    "threads": "threads",
    "state_dropout": "state_dropout",
    "object_loss": "object_loss",
    "named_loss": "named_loss",
    "start_weight": "start_weight",
    "start_steps": "start_steps",
    "grasp_weight": "grasp_weight",
    "grasp_steps": "grasp_steps",
}


def build_config(args: argparse.Namespace):
    """A TrainConfig from the options (the saved one, updated, with --resume)."""
    from pi0_core.train.config import TrainConfig
    from pi0_core.train.loop import resumed_config

    given = {field: getattr(args, option) for option, field in _FIELDS.items()}
    given = {key: value for key, value in given.items() if value is not None}
    if args.resume:
        # Everything that shapes the run comes from the saved config; steps and logging may change.
        keep = ("steps", "save_every", "log_every", "num_workers", "threads", "eval_every")
        # The run continues where it is now, also when its folder was moved or copied.
        kept = {k: v for k, v in given.items() if k in keep}
        return resumed_config(args.out, **kept, out=str(args.out))
    return TrainConfig(
        data=args.data or (),
        out=args.out,
        preset=args.preset,
        init=args.init,
        lora=args.lora,
        augment=not args.no_augment,
        augment_geometry=not args.colour_augment_only,
        grad_checkpointing=args.grad_checkpointing,
        crops=dict(args.crop) if args.crop else None,
        **given,
    )


def run(args: argparse.Namespace) -> int:
    """Check the options, then train."""
    from pi0_core.train.loop import train

    config = build_config(args)
    if args.stop_at is not None and not 0 < args.stop_at <= config.steps:
        raise ValueError(f"--stop-at must be in [1, {config.steps}] (--steps), got {args.stop_at}")
    final = train(config, resume_run=args.resume, stop_at=args.stop_at)
    if args.stop_at is not None and args.stop_at < config.steps:
        print(f"stopped at step {args.stop_at}: checkpoint and resume state in {config.out_dir}")
    else:
        print(f"done: {final}")
    return 0
