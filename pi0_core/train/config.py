"""The settings of one training run, checked before anything is loaded."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from pi0_core.adapters import convention_name
from pi0_core.presets import get_preset
from pi0_core.train import finetune_defaults
from pi0_core.train.freeze import check_freeze
from pi0_core.train.rehearsal import check_rehearsals
from pi0_core.train.schedule import ema_decay_for, warmup_for
from pi0_core.train.start_stats import STATS_MODES
from pi0_core.train.teach_as import parse_teach_as
from pi0_core.transforms import check_crop

MAX_LR = 0.1  # beyond this AdamW diverges on any transformer: surely a typo
MAX_OBJECT_LOSS = 100.0  # beyond this the auxiliary loss drowns the action loss
MAX_PROBE_WARMUP = 10_000  # probe-only steps: beyond this the warm-up outlasts any fine-tune
MAX_TEACH_VISION_STEPS = 100_000  # vision-only steps (--teach-vision): beyond this, surely a typo
MAX_SAMPLE_WEIGHT = 1000.0  # beyond this an epoch is little but the weighted steps


@dataclass(frozen=True)
class TrainConfig:
    """One fine-tuning or from-scratch run (saved in OUT/resume/ so --resume repeats it)."""

    data: tuple[str, ...]  # episode files and/or folders
    out: str  # output directory: metrics.jsonl, checkpoints/, final/, resume/, train.log
    rehearse: tuple[str, ...] = ()  # "DIR[,DIR][:FRACTION]": other episodes in every batch
    preset: str | None = None  # build a fresh network of this preset...
    init: str | None = None  # ...or start from this checkpoint (any layout, pi0_core.layouts)
    tokenizer: str | None = None  # tokenizer for an --init folder without one
    convention: str | None = None  # joint convention (default: --init's; identity from scratch)
    stats: str = finetune_defaults.STATS  # with init: its normalisation, the data's, or "merge"
    steps: int = 20_000  # optimiser steps
    batch_size: int = 32  # samples per process per step
    lr: float | None = None  # peak learning rate (None: the preset's scratch or fine-tune rate)
    weight_decay: float = 1e-4  # AdamW decoupled weight decay
    warmup_steps: int | None = None  # linear warm-up, then cosine decay to min_lr_ratio * lr by
    # the last step (None: 5 % of the steps, at most 500)
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0  # max global gradient norm
    ema_decay: float | None = None  # checkpoints hold this EMA of the trained weights (None: a
    # horizon of a tenth of the steps, decay 0.9-0.999)
    lora: bool = False  # train LoRA adapters on the language model and expert instead
    lora_rank: int = 16
    freeze: tuple[str, ...] = ()  # parts kept as --init has them: vision, language, expert
    augment: bool = True  # crop/rotate non-wrist cameras, colour jitter on all
    augment_geometry: bool = True  # False: colour jitter only (cameras fixed, as in simulation)
    state_dropout: float = 0.0  # chance that a sample's state is hidden (set to the mean)
    object_loss: float = 0.0  # weight of the auxiliary object-position loss (sim demos only)
    named_loss: float = 0.0  # weight of the auxiliary loss on the prompt's object (sim demos)
    probe_warmup: int = 0  # steps that train only the fresh probes, on the frozen network, first
    hold_probes: bool = False  # warm the probes on the rehearsed data only, then keep them fixed
    prompt_augment: bool = False  # re-phrase each sample's prompt (pi0_core.train.prompt_grammar)
    prompt_keep: float = 0.0  # with prompt_augment: share of samples that keep the recorded prompt
    prompt_distill: bool = False  # with init and prompt_augment: the target is the starting
    # checkpoint's own output for the recorded prompt, not the demonstration's actions
    rehearse_distill: bool = False  # with init and rehearse: the rehearsed samples' target is
    # the starting checkpoint's own output, not the scripted expert's actions
    teach_as: str | None = None  # with init: "NEW:R,G,B=KNOWN:R,G,B" (pi0_core.train.teach_as):
    # the new data's target is the starting checkpoint's output with NEW repainted and renamed
    teach_features: float = 0.0  # with teach_as: weight of matching the checkpoint's keys and
    # values of the image tokens in its view (pi0_core.train.prefix_match)
    teach_focus: bool = False  # with teach_features: the repainted tokens' gap counts again alone
    teach_swap: float = 0.0  # with teach_as: share of the samples naming KNOWN the student sees
    # with KNOWN repainted and renamed as NEW (and the teacher as recorded)
    teach_chunks: bool = False  # with teach_as: the new data's action chunks are the starting
    # checkpoint's own, sampled in its view, in place of the demonstrations'
    teach_vision: int = 0  # with teach_as: steps that first fit the vision tower alone to the
    # checkpoint's image features of the teacher's view (pi0_core.train.teach_vision)
    teach_vision_lr: float = 3e-4  # the peak rate of those steps
    teach_colour_map: int = 0  # with teach_as: steps that first fit a colour map in front of the
    # vision tower to the teacher's view of each pixel, saved with the checkpoint
    # (pi0_core.colour_map)
    start_weight: float = 1.0  # samples in an episode's first start_steps are drawn this often
    start_steps: int = 50  # the start of an episode, where only the cameras show the task
    grasp_weight: float = 1.0  # samples whose next grasp_steps close a gripper: drawn this often
    grasp_steps: int = 50  # how far ahead of a gripper closing a sample counts as a grasp
    grad_checkpointing: bool = False  # recompute vision activations in backward: less memory
    seed: int = 0
    cameras: tuple[str, ...] | None = None  # subset of the data's cameras, in this order
    prompt: str | None = None  # prompt for episodes that have none
    crops: dict | None = None  # camera -> (top, left, bottom, right) fractions the model sees
    camera_map: dict | None = None  # LeRobot datasets: their camera name -> ours (top: cam_high)
    save_every: int = 2_000  # checkpoint every K steps (and at the end)
    log_every: int = 10  # metrics.jsonl line every K steps
    eval_task: str | None = None  # simulator task to evaluate on
    eval_every: int = 0  # evaluate every K steps (0: never)
    eval_episodes: int = 10
    eval_seed: int = 100_000  # first seed of every evaluation (apart from the demos' seeds)
    compare: bool = True  # with init: evaluate it and the result on the same seeds, every task
    num_workers: int = 1  # DataLoader worker processes
    threads: int = 0  # torch CPU threads per process (0: idle cores / processes, at least 1)
    fsdp: bool = False  # under torchrun: shard weights, gradients and optimiser state (FSDP2)

    def __post_init__(self) -> None:
        if (self.preset is None) == (self.init is None):
            raise ValueError("give exactly one of --preset NAME or --init CHECKPOINT")
        if self.convention is not None:
            convention_name(self.convention)  # an unknown name lists the known ones
        if self.preset is not None:
            get_preset(self.preset)
        if not self.data:
            raise ValueError("no training data given (--data DIR[,DIR...])")
        if self.stats not in STATS_MODES:
            raise ValueError(f"--stats must be one of {', '.join(STATS_MODES)}, got {self.stats!r}")
        check_rehearsals(self.rehearse)
        check_freeze(self.freeze)
        if self.freeze and self.init is None:
            raise ValueError("--freeze needs --init: a fresh network's parts are random")
        if self.freeze and self.fsdp:
            raise ValueError("--freeze is not supported with --fsdp")
        if self.steps < 1:
            raise ValueError(f"--steps must be at least 1, got {self.steps}")
        if self.batch_size < 1:
            raise ValueError(f"--batch-size must be at least 1, got {self.batch_size}")
        if self.lr is not None and not 0 < self.lr <= MAX_LR:
            raise ValueError(f"--lr {self.lr} is out of range (0, {MAX_LR}]")
        if self.warmup_steps is not None and self.warmup_steps < 1:
            raise ValueError(f"--warmup-steps must be at least 1, got {self.warmup_steps}")
        if self.ema_decay is not None and not 0 <= self.ema_decay < 1:
            raise ValueError(f"ema_decay must be in [0, 1), got {self.ema_decay}")
        if self.save_every < 1 or self.log_every < 1 or self.num_workers < 0:
            raise ValueError("--save-every must be positive and --num-workers not negative")
        if not 0 <= self.state_dropout < 1:
            raise ValueError(f"--state-dropout must be in [0, 1), got {self.state_dropout}")
        if not 0 <= self.prompt_keep < 1:
            raise ValueError(f"--prompt-keep must be in [0, 1), got {self.prompt_keep}")
        if self.prompt_keep and not self.prompt_augment:
            raise ValueError(
                "--prompt-keep needs --prompt-augment (without it every prompt is kept)"
            )
        if self.teach_as is not None:
            parse_teach_as(self.teach_as)  # a clear error for a malformed one
        if not 0 <= self.teach_features <= MAX_OBJECT_LOSS:
            raise ValueError(
                f"--teach-features must be in [0, {MAX_OBJECT_LOSS}], got {self.teach_features}"
            )
        if not 0 <= self.teach_swap <= 1:
            raise ValueError(f"--teach-swap must be in [0, 1], got {self.teach_swap}")
        if self.teach_swap and not self.teach_as:
            raise ValueError("--teach-swap needs --teach-as: it swaps the two colours")
        if self.teach_chunks and not self.teach_as:
            raise ValueError("--teach-chunks needs --teach-as: it samples the teacher's view")
        if not 0 <= self.teach_vision <= MAX_TEACH_VISION_STEPS:
            raise ValueError(
                f"--teach-vision must be in [0, {MAX_TEACH_VISION_STEPS}] steps, "
                f"got {self.teach_vision}"
            )
        if not 0 <= self.teach_colour_map <= MAX_TEACH_VISION_STEPS:
            raise ValueError(
                f"--teach-colour-map must be in [0, {MAX_TEACH_VISION_STEPS}] steps, "
                f"got {self.teach_colour_map}"
            )
        if self.teach_colour_map and not self.teach_as:
            raise ValueError("--teach-colour-map needs --teach-as: it fits the teacher's view")
        if self.teach_vision and not self.teach_as:
            raise ValueError("--teach-vision needs --teach-as: it fits the teacher's view")
        if not 0 < self.teach_vision_lr <= 1e-2:
            raise ValueError(f"--teach-vision-lr must be in (0, 0.01], got {self.teach_vision_lr}")
        if self.teach_focus and not self.teach_features:
            raise ValueError("--teach-focus needs --teach-features: it weights their gap")
        if self.teach_features and not self.teach_as:
            raise ValueError("--teach-features needs --teach-as: it matches the teacher's view")
        for name in ("prompt_distill", "rehearse_distill", "teach_as"):  # --init teaches
            option = "--" + name.replace("_", "-")
            if getattr(self, name) and self.init is None:
                raise ValueError(f"{option} needs --init: the starting checkpoint is its teacher")
            if getattr(self, name) and self.fsdp:
                raise ValueError(f"{option} is not supported with --fsdp")
        if self.prompt_distill and not self.prompt_augment:
            raise ValueError(
                "--prompt-distill needs --prompt-augment: it teaches the grammar's phrasings"
            )
        if self.rehearse_distill and not self.rehearse:
            raise ValueError(
                "--rehearse-distill needs rehearsed data: --rehearse DIR, or --rehearse init "
                "from a checkpoint whose model card names its demos"
            )
        for name in ("object", "named"):  # the auxiliary position losses
            weight = getattr(self, f"{name}_loss")
            if not 0 <= weight <= MAX_OBJECT_LOSS:
                raise ValueError(f"--{name}-loss must be in [0, {MAX_OBJECT_LOSS}], got {weight}")
        if not 0 <= self.probe_warmup <= MAX_PROBE_WARMUP:
            raise ValueError(
                f"--probe-warmup must be in [0, {MAX_PROBE_WARMUP}], got {self.probe_warmup}"
            )
        if self.probe_warmup and not self.needs_objects:
            raise ValueError(
                "--probe-warmup needs --object-loss or --named-loss: it warms their probes"
            )
        if self.probe_warmup and self.fsdp:
            raise ValueError("--probe-warmup is not supported with --fsdp")
        if self.hold_probes and not (self.probe_warmup and self.rehearse):
            raise ValueError(
                "--hold-probes needs --probe-warmup and --rehearse: the probes learn to read the "
                "starting checkpoint on the data it knows before they are held"
            )
        for part in ("start", "grasp"):  # the oversampled parts of an episode
            weight, steps = getattr(self, f"{part}_weight"), getattr(self, f"{part}_steps")
            if not 1 <= weight <= MAX_SAMPLE_WEIGHT:
                raise ValueError(
                    f"--{part}-weight must be in [1, {MAX_SAMPLE_WEIGHT}], got {weight}"
                )
            if steps < 1:
                raise ValueError(f"--{part}-steps must be at least 1, got {steps}")
        for camera, crop in (self.crops or {}).items():
            check_crop(camera, crop)
        if (self.eval_every > 0) != (self.eval_task is not None):
            raise ValueError("--eval-task and --eval-every go together")

    @property
    def warmup(self) -> int:
        """Warm-up steps: the ones given, else sized to the run."""
        return self.warmup_steps if self.warmup_steps is not None else warmup_for(self.steps)

    @property
    def ema(self) -> float:
        """EMA decay: the one given, else sized to the run."""
        return self.ema_decay if self.ema_decay is not None else ema_decay_for(self.steps)

    @property
    def needs_objects(self) -> bool:
        """Whether an auxiliary loss reads the simulator's object poses."""
        return self.object_loss > 0 or self.named_loss > 0

    @property
    def out_dir(self) -> Path:
        """The output directory as a Path."""
        return Path(self.out)

    def to_json(self) -> str:
        """The config as JSON text."""
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> TrainConfig:
        """Inverse of `to_json`."""
        data = json.loads(text)
        names = {f.name for f in fields(cls)}
        data = {key: value for key, value in data.items() if key in names}
        for key in ("data", "cameras", "rehearse", "freeze"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        return cls(**data)
