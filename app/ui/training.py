"""The Fine-tune tab's reach into `main.py train`: its command line and its output folder."""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

PRESETS = ("tiny", "pi0")
MAX_LOSS_WEIGHT = 100.0  # the trainer's MAX_OBJECT_LOSS (not imported: it brings in torch)
MAX_TEACH_STEPS = 100_000  # the trainer's MAX_TEACH_VISION_STEPS (the same reason)
STEP_FOLDER = re.compile(r"step_(\d+)$")
# Run the CLI through its module so it works in a source checkout and when installed alike.
CLI_BOOTSTRAP = "import sys; from app.cli.main import main; sys.exit(main(sys.argv[1:]))"


@dataclass(frozen=True)
class TrainingConfig:
    """One fine-tuning run as the user set it up."""

    data: tuple[str, ...]  # dataset folders
    out: str  # run folder: metrics.jsonl, checkpoints/, final/, train.log
    init: str | None = None  # start from this checkpoint directory ...
    preset: str | None = "tiny"  # ... or from a fresh model of this preset
    steps: int = 300
    batch_size: int = 8
    lr: float | None = None  # None: the trainer's default (the preset's)
    lora: bool = False  # train low-rank adapters instead of every weight
    freeze: tuple[str, ...] = ()  # from a checkpoint: parts kept as it has them (train --freeze)
    eval_task: str | None = None  # simulator task to evaluate on, or None
    eval_every: int = 0  # steps between evaluations (0 = only with the checkpoints)
    save_every: int = 0  # steps between checkpoints (0 = the trainer's default)
    log_every: int = 0  # steps between metrics lines (0 = the trainer's default)
    threads: int = 0  # torch threads of the trainer (0 = its default)
    # Auxiliary losses (0 = off); both need episodes that store object poses (env_state).
    object_loss: float = 0.0  # weight of: where every object is, from the image tokens
    named_loss: float = 0.0  # weight of: where the object the prompt names is
    # From a checkpoint: share of each batch rehearsing its own (regenerated) data, None: off.
    rehearse: float | None = None
    rehearse_distill: bool = False  # the rehearsed samples learn the checkpoint's own actions
    stats: str = "init"  # from a checkpoint: whose normalisation statistics (train --stats)
    # From a checkpoint: "NEW=KNOWN", the new colour taught as the checkpoint acts on a known
    # one (train --teach-as, with its measured recipe); None: off.
    teach_as: str | None = None
    teach_colour_map: int = 0  # with teach_as: steps of the colour map fitted first (0: none)

    def __post_init__(self) -> None:
        if not self.data:
            raise ValueError("add at least one dataset folder")
        if not self.out:
            raise ValueError("choose an output folder for the run")
        if (self.init is None) == (self.preset is None):
            raise ValueError("start from either a checkpoint or a preset")
        if self.steps < 1 or self.batch_size < 1 or (self.lr is not None and self.lr <= 0):
            raise ValueError("steps, batch size and learning rate must be positive")
        if self.freeze and self.init is None:
            raise ValueError("only a checkpoint has trained parts to keep")
        if self.rehearse is not None and not 0 < self.rehearse < 1:
            raise ValueError("the rehearsed share of each batch must be between 0 and 1")
        if self.rehearse_distill and (self.init is None or self.rehearse is None):
            raise ValueError("rehearsing as the policy acts needs a checkpoint and rehearsal")
        if self.teach_as is not None and (self.init is None or "=" not in self.teach_as):
            raise ValueError(
                "teaching as a known colour needs a checkpoint and NEW=KNOWN (yellow=blue)"
            )
        if not 0 <= self.teach_colour_map <= MAX_TEACH_STEPS:
            raise ValueError(f"the colour map's steps must be between 0 and {MAX_TEACH_STEPS:,}")
        for name, weight in (("object", self.object_loss), ("named-object", self.named_loss)):
            if not (math.isfinite(weight) and 0 <= weight <= MAX_LOSS_WEIGHT):
                raise ValueError(
                    f"the {name} loss weight must be 0 (off) or positive, "
                    f"at most {MAX_LOSS_WEIGHT:g}"
                )

    def arguments(self, resume: bool = False) -> list[str]:
        """The `train` subcommand's arguments."""
        args = ["train", "--data", ",".join(self.data), "--out", self.out]
        args += ["--init", self.init] if self.init else ["--preset", str(self.preset)]
        args += ["--steps", str(self.steps), "--batch-size", str(self.batch_size)]
        if self.lr is not None:
            args += ["--lr", f"{self.lr:g}"]
        if self.init:
            args += ["--stats", self.stats]
            rehearse = ["--rehearse", f"init:{self.rehearse:g}"] if self.rehearse else []
            args += rehearse or ["--no-rehearse"]
            if self.rehearse_distill:
                args.append("--rehearse-distill")
            if self.teach_as:  # the recipe of docs/finetune.md (the velocity alone is matched)
                args += ["--teach-as", self.teach_as]
                if self.teach_colour_map:
                    args += ["--teach-colour-map", str(self.teach_colour_map)]
        if self.lora:
            args.append("--lora")
        if self.freeze:
            args += ["--freeze", ",".join(self.freeze)]
        if self.eval_task:
            args += ["--eval-task", self.eval_task]
            if self.eval_every:
                args += ["--eval-every", str(self.eval_every)]
        weights = (("--object-loss", self.object_loss), ("--named-loss", self.named_loss))
        for flag, weight in weights:
            if weight:
                args += [flag, f"{weight:g}"]
        for flag, value in (
            ("--save-every", self.save_every),
            ("--log-every", self.log_every),
            ("--threads", self.threads),
        ):
            if value:
                args += [flag, str(value)]
        if resume:
            args.append("--resume")
        return args


def train_command(config: TrainingConfig, resume: bool = False) -> tuple[str, list[str]]:
    """(program, arguments) that run `main.py train` with this Python."""
    return sys.executable, ["-c", CLI_BOOTSTRAP, *config.arguments(resume)]


@dataclass(frozen=True)
class CheckpointEntry:
    """One checkpoint directory of a run."""

    name: str  # "step_000100" or "final"
    path: Path
    step: int | None  # None for final


def list_checkpoints(out: str | Path) -> list[CheckpointEntry]:
    """The run's checkpoints, oldest first, `final` last."""
    out = Path(out)
    entries = []
    folder = out / "checkpoints"
    if folder.is_dir():
        for child in folder.iterdir():
            match = STEP_FOLDER.match(child.name)
            if child.is_dir() and match:
                entries.append(CheckpointEntry(child.name, child, int(match.group(1))))
    entries.sort(key=lambda entry: entry.step or 0)
    if (out / "final").is_dir():
        entries.append(CheckpointEntry("final", out / "final", None))
    return entries


def can_resume(out: str | Path) -> bool:
    """True when the run folder holds resume state."""
    return (Path(out) / "resume").is_dir()


def tail_lines(path: str | Path, count: int = 20) -> list[str]:
    """The last `count` lines of a text file ([] if it does not exist)."""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, 2)
            size = stream.tell()
            stream.seek(max(size - 64 * 1024, 0))
            text = stream.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return text.splitlines()[-count:]


BEFORE, AFTER = "eval_before", "eval_after"  # the trainer's metrics keys (pi0_core.train.compare)


def before_after(records: list[dict]) -> tuple[dict[str, float], dict[str, float]]:
    """The last before/after success rates per task a run's metrics hold ({} where none)."""
    found = {BEFORE: {}, AFTER: {}}
    for record in records:
        for key in found:
            if isinstance(record.get(key), dict):
                found[key] = record[key]
    return found[BEFORE], found[AFTER]


def worse_than_start(before: dict[str, float], after: dict[str, float]) -> list[str]:
    """Tasks the result does worse on than the checkpoint it started from."""
    return [task for task, rate in after.items() if task in before and rate < before[task]]


def worse_warning(before: dict[str, float], after: dict[str, float]) -> str | None:
    """In words, where the result is worse than its starting checkpoint; None if nowhere."""
    worse = worse_than_start(before, after)
    if not worse:
        return None
    drops = ", ".join(
        f"{task} ({before[task]:.0%} before, {after[task]:.0%} after)" for task in worse
    )
    return (
        f"This policy does worse than the one it was fine-tuned from on {drops}, measured on "
        "the same simulator seeds."
    )
