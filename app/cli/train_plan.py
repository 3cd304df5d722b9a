"""`main.py train ... --plan`: the estimated peak memory per device, before anything is built."""

from __future__ import annotations

import argparse
import json
import os


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The planner's options of the train subcommand."""
    parser.add_argument(
        "--plan",
        action="store_true",
        help="print the estimated peak memory per device of this run and exit (no data needed)",
    )
    parser.add_argument(
        "--memory-gb", type=float, help="with --plan: also the largest batch that fits this memory"
    )
    parser.add_argument(
        "--precision",
        choices=("bf16", "float32"),
        help="with --plan: bf16 autocast (what training does on GPU) or float32 (on CPU); "
        "default: this machine's",
    )
    parser.add_argument(
        "--processes",
        type=int,
        help="with --plan: training processes (default: torchrun's WORLD_SIZE, else 1)",
    )
    parser.add_argument("--json", action="store_true", help="with --plan: JSON on the last line")


PLAN_ONLY = ("memory_gb", "precision", "processes", "json")


def refuse_without_plan(args: argparse.Namespace) -> None:
    """The planner's options mean nothing to a training run: refuse them without --plan."""
    given = [name for name in PLAN_ONLY if getattr(args, name) not in (None, False)]
    if given:
        options = ", ".join("--" + name.replace("_", "-") for name in given)
        raise ValueError(f"{options}: only with --plan")


def run_shape(args: argparse.Namespace, cameras: int):
    """The planner's view of the run the options describe."""
    import torch

    from pi0_core.train.config import TrainConfig
    from pi0_core.train.memory_plan import RunShape

    defaults = TrainConfig.__dataclass_fields__
    precision = args.precision or ("bf16" if torch.cuda.is_available() else "float32")
    return RunShape(
        batch_size=_given(args.batch_size, defaults["batch_size"].default),
        cameras=cameras,
        lora=args.lora,
        lora_rank=defaults["lora_rank"].default,
        precision=precision,
        grad_checkpointing=args.grad_checkpointing,
        processes=_given(args.processes, int(os.environ.get("WORLD_SIZE", "1"))),
        fsdp=getattr(args, "fsdp", False),
        freeze=tuple(getattr(args, "freeze", None) or ()),
    )


def _given(value: int | None, default: int) -> int:
    return default if value is None else value


def network_shape(args: argparse.Namespace):
    """(shape, cameras) of the network the options build or load."""
    from pi0_core.presets import get_preset
    from pi0_core.train.network_shape import shape_of_checkpoint, shape_of_preset

    if args.preset:
        shape, cameras = shape_of_preset(get_preset(args.preset)), None
    elif args.init:
        shape, cameras = shape_of_checkpoint(args.init)
    else:
        raise ValueError("--plan needs --preset NAME or --init CHECKPOINT")
    if args.cameras:
        cameras = args.cameras
    return shape, len(cameras) if cameras else 3


def run(args: argparse.Namespace) -> int:
    """Print the plan; with --memory-gb, the largest batch that fits too."""
    from pi0_core.train.memory_plan import max_batch_size, parameter_counts, plan

    if args.memory_gb is not None and not args.memory_gb > 0:
        raise ValueError(f"--memory-gb must be a positive number, got {args.memory_gb}")
    shape, cameras = network_shape(args)
    run_options = run_shape(args, cameras)
    estimate = plan(shape, run_options)
    rank = run_options.lora_rank if run_options.lora else 0
    counts = parameter_counts(shape, rank, run_options.freeze)
    result = estimate.to_dict()
    if args.memory_gb is not None:
        result["max_batch_size"] = max_batch_size(shape, run_options, args.memory_gb)
    if os.environ.get("RANK", "0") != "0":
        return 0  # under torchrun, one process speaks
    print(_text(run_options, counts, estimate, result, args.memory_gb))
    if args.json:
        print(json.dumps(result))
    return 0


def _text(run_options, counts, estimate, result: dict, memory_gb: float | None) -> str:
    kind = f"LoRA rank {run_options.lora_rank}" if run_options.lora else "full fine-tune"
    sharding = "FSDP" if run_options.fsdp else ("DDP" if run_options.processes > 1 else "one")
    lines = [
        f"{kind}, {run_options.precision}, batch {run_options.batch_size} per process, "
        f"{run_options.cameras} cameras, {run_options.processes} process(es) ({sharding})"
        + (", vision checkpointing" if run_options.grad_checkpointing else "")
        + (f", frozen: {', '.join(run_options.freeze)}" if run_options.freeze else ""),
        f"parameters {counts.total / 1e9:.3f}e9, trainable {counts.trainable / 1e9:.3f}e9",
        f"weights      {estimate.weights_gb:8.2f} GB",
        f"gradients    {estimate.gradients_gb:8.2f} GB",
        f"optimizer    {estimate.optimizer_gb:8.2f} GB  (AdamW moments and EMA)",
        f"activations  {estimate.activations_gb:8.2f} GB  "
        f"({estimate.per_sample_gb:.3f} GB per sample)",
        f"peak         {estimate.peak_gb:8.2f} GB per device (GiB, estimated)",
    ]
    if memory_gb is not None:
        batch = result["max_batch_size"]
        fits = f"batch {batch}" if batch else "nothing: not even batch 1"
        lines.append(f"fits in {memory_gb:g} GB: {fits} per process")
    return "\n".join(lines)
