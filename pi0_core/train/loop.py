"""The training loop: batches in, optimiser steps, metrics, checkpoints and resume state out."""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from pi0_core import checkpoint
from pi0_core.colour_map import (
    COLOUR_MAP_FILE,
    ColourMap,
    colour_map_loss,
    load_colour_map,
    save_colour_map,
)
from pi0_core.model import count_parameters, tokens_per_image
from pi0_core.policy import Policy
from pi0_core.threads import cpu_threads
from pi0_core.train import compare, distributed, resume, setup, sharding
from pi0_core.train.augment import augment_batch, drop_state
from pi0_core.train.config import TrainConfig
from pi0_core.train.data import (
    NAMED_KEYS,
    OBJECT_KEYS,
    ResumableSampler,
    TransformedDataset,
    collate_training,
    network_transform,
    sampling_weights,
)
from pi0_core.train.distill import (
    TEACHER_GAP,
    distillation_loss,
    make_teacher,
    student_inputs,
    teacher_chunks,
    teacher_inputs,
)
from pi0_core.train.ema import EMA
from pi0_core.train.evaluation import sim_success_rate
from pi0_core.train.freeze import freeze
from pi0_core.train.lora import apply_lora, merged
from pi0_core.train.loss import flow_matching_loss
from pi0_core.train.metrics import MetricsLog, log_to_file, read_metrics
from pi0_core.train.model_card import model_card
from pi0_core.train.objects import (
    ObjectProbe,
    attach_named_probe,
    attach_probe,
    detach_probe,
    object_loss,
)
from pi0_core.train.prefix_match import PrefixCapture, image_token_gap, repainted_tokens
from pi0_core.train.prompt_grammar import PromptAugment
from pi0_core.train.rehearsal import MixedSampler, rehearsed_only
from pi0_core.train.schedule import learning_rate, make_optimizer, set_learning_rate
from pi0_core.train.teach_as import TeacherView, parse_teach_as
from pi0_core.train.teach_vision import FOCUS, TEACH_VISION, vision_batch_loss, vision_parameters
from pi0_core.transforms import model_inputs

log = logging.getLogger(__name__)
TEACH_FEATURES = "teach_features"  # metrics key: the image tokens' gap to the teacher's view
TEACH_COLOUR_MAP = "teach_colour_map"  # metrics key: the colour map's gap to the teacher's view
COLOUR_MAP_LR = 3e-3  # --teach-colour-map's rate (Adam, constant): a few hundred weights

RESUME_DIR = "resume"
FINAL_DIR = "final"
PROBE_WARMUP_LR = 1e-3  # the probes' own rate while the network is frozen (AdamW, constant)
PROBE_WARMUP_SEED = 7_919  # offsets the warm-up's random draws from the training steps'
CHECKPOINTS_DIR = "checkpoints"


def resumed_config(out_dir: Path, **overrides: object) -> TrainConfig:
    """The config saved by an interrupted run in OUT, with the given fields replaced."""
    path = Path(out_dir) / RESUME_DIR / resume.CONFIG
    if not path.is_file():
        raise FileNotFoundError(f"nothing to resume in {out_dir}: missing {path}")
    config = TrainConfig.from_json(path.read_text())
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def train(config: TrainConfig, resume_run: bool = False, stop_at: int | None = None) -> Path:
    """Run (or continue) training; returns OUT/final.

    `stop_at` ends this session early at that step, with its resume state saved, as an
    interruption would (the schedule still spans config.steps).
    """
    processes = distributed.start()
    try:
        return Run(config, processes, resume_run).execute(stop_at)
    finally:
        distributed.stop()


def step_seed(seed: int, rank: int, step: int) -> int:
    """The seed of every random draw of one step on one process."""
    return (seed * 1_000_003 + rank * 10_007 + step) % (2**63)


def _mapped(colour_map: ColourMap | None, pixels: torch.Tensor) -> torch.Tensor:
    """`pixels` through `colour_map` (frozen: no gradient), or as they are without one."""
    if colour_map is None:
        return pixels
    with torch.no_grad():
        return colour_map(pixels.to(next(colour_map.parameters()).device))


def _stage_record(stage: str, done: int, means: dict, samples: int, started: float) -> dict:
    """A metrics line of a stage that runs before the main loop's first step (logged at step 0,
    its own step count as `STAGE_step`)."""
    rate = samples / (time.monotonic() - started)
    return {"step": 0, f"{stage}_step": done, **means, "samples_per_s": rate}


@dataclass
class _Window:
    """The steps since the last metrics line: their losses are logged as means."""

    started: float = field(default_factory=time.monotonic)
    steps: int = 0
    loss: float = 0.0  # sums
    auxiliary: dict[str, float] = field(default_factory=dict)  # metrics key -> sum

    def add(self, loss: float, auxiliary: dict[str, float]) -> None:
        self.steps += 1
        self.loss += loss
        for name, value in auxiliary.items():
            self.auxiliary[name] = self.auxiliary.get(name, 0.0) + value


@dataclass(frozen=True)
class _Auxiliary:
    """An auxiliary position loss: its probe, its weight and where the batch holds its targets."""

    name: str  # metrics key
    probe: ObjectProbe
    weight: float
    keys: tuple[str, str]  # the batch's targets and their mask


class Run:
    """One training run, from its parts to its final checkpoint."""

    def __init__(
        self, config: TrainConfig, processes: distributed.Processes, resume_run: bool
    ) -> None:
        self.config, self.processes = config, processes
        if config.probe_warmup and processes.world > 1:
            # Each process would warm its own probes apart, and DDP never re-syncs them.
            raise ValueError(
                "--probe-warmup runs on one process: drop it or train without torchrun"
            )
        if config.teach_colour_map and processes.world > 1:
            raise ValueError(
                "--teach-colour-map runs on one process: drop it or train without torchrun"
            )
        if config.teach_vision and processes.world > 1:
            # Its steps update the tower outside DDP: each process would teach its own.
            raise ValueError(
                "--teach-vision runs on one process: drop it or train without torchrun"
            )
        self.out = config.out_dir
        self.out.mkdir(parents=True, exist_ok=True)
        if processes.is_main:
            log_to_file(self.out)
        torch.set_num_threads(config.threads or cpu_threads(processes.world))
        point = resume.load(self.out / RESUME_DIR) if resume_run else None
        self.parts = setup.build(config)
        # The starting checkpoint's colour map (the teacher sees through it) and the network's
        # (the same, or learned here by --teach-colour-map); None: none.
        self.teacher_map = self._starting_colour_map()
        self.colour_map = self.teacher_map
        self.auxiliaries: list[_Auxiliary] = []
        # --prompt-distill, --rehearse-distill, --teach-as: the starting checkpoint as loaded,
        # before probes or adapters
        self.teacher = (
            make_teacher(self.parts.model).to(processes.device)
            if config.prompt_distill or config.rehearse_distill or config.teach_as
            else None
        )
        self.model = self._prepare_model(self.parts.model)
        # --teach-features: the keys and values the expert reads, of student and teacher
        self.captures = (
            (PrefixCapture(self.model), PrefixCapture(self.teacher))
            if config.teach_features
            else None
        )
        if config.hold_probes:  # fixed readouts of the checkpoint: no optimiser, no average
            self._set_probes_trainable(False)
        self.sharded = sharding.ShardedNetwork(self.model, processes) if config.fsdp else None
        self.optimizer = make_optimizer(
            self.model.named_parameters(), self.parts.lr, config.weight_decay
        )
        self.ema = EMA(self.model, config.ema, warmup=config.init is None)
        probes = {id(p) for p in self._probe_parameters()}
        self._network_parameters = [
            p for p in self.model.parameters() if p.requires_grad and id(p) not in probes
        ]
        self.start_step = 0
        if point is not None:
            self._restore(point)
            if config.teach_colour_map:  # learned before step 1, saved with the resume state
                self.colour_map = load_colour_map(self.out / RESUME_DIR).to(processes.device)
        self.trained = self.model if self.sharded else distributed.wrap(self.model, processes)
        log.info(
            "training on %d process(es), device %s, %d torch threads each",
            processes.world,
            processes.device,
            torch.get_num_threads(),
        )
        self.metrics = (
            MetricsLog(self.out, point.step if point else None) if processes.is_main else None
        )
        self.last_loss: float | None = None
        self.success_rate: float | None = None
        self.comparison: compare.Comparison | None = None  # before/after, with --init

    def _prepare_model(self, model: torch.nn.Module) -> torch.nn.Module:
        # The expert reads embeddings, never token ids: its token table gets no gradient.
        model.model.dit.embed_tokens.weight.requires_grad_(False)
        if self.config.grad_checkpointing:
            # Only the vision tower: transformers' checkpointed decoder layers drop the KV cache,
            # which the action expert reads from the language model.
            model.model.vlm.vision_tower.activation_checkpointing_enable({"use_reentrant": False})
        config = self.config
        if config.object_loss > 0:
            probe = attach_probe(model, self.parts.objects, config.seed)
            self.auxiliaries.append(
                _Auxiliary("object_loss", probe, config.object_loss, OBJECT_KEYS)
            )
        if config.named_loss > 0:
            image_tokens = len(self.parts.spec.cameras) * tokens_per_image(model)
            probe = attach_named_probe(model, image_tokens, config.seed)
            self.auxiliaries.append(_Auxiliary("named_loss", probe, config.named_loss, NAMED_KEYS))
        if self.config.lora:
            model = apply_lora(model, self.config.lora_rank)
        if config.freeze:
            frozen = freeze(model, config.freeze)
            counts = ", ".join(f"{part} ({n:,} weights)" for part, n in frozen.items())
            log.info("frozen as in --init: %s", counts)
            if "expert" in config.freeze and config.state_dropout > 0:
                log.warning(
                    "--state-dropout %g with the expert frozen: the expert cannot learn to act "
                    "without the state (pick_yellow, 2026-12-07: every task fell to 0-35 %%)",
                    config.state_dropout,
                )
        return model.to(self.processes.device).train()

    def _restore(self, point: resume.ResumePoint) -> None:
        if point.world != self.processes.world:
            log.warning(
                "resuming with %d processes, saved with %d: the data order will differ",
                self.processes.world,
                point.world,
            )
        if self.sharded:
            self.sharded.restore(self.ema, self.optimizer, point)
        else:
            resume.restore_trainable(self.model, point.trainable)
            self.ema.load_state_dict(point.ema)
            self.optimizer.load_state_dict(point.optimizer)
        self.start_step = point.step
        log.info("resuming at step %d", point.step)

    def _probe_parameters(self) -> list[torch.nn.Parameter]:
        return [p for aux in self.auxiliaries for p in aux.probe.parameters()]

    def _set_probes_trainable(self, trainable: bool) -> None:
        for p in self._probe_parameters():
            p.requires_grad_(trainable)

    def _held_probe_names(self) -> tuple[str, ...]:
        """The frozen parameters saved for --resume all the same: held probes (--hold-probes)
        and a vision tower taught by --teach-vision."""
        names: tuple[str, ...] = ()
        if self.config.teach_vision:
            names = tuple(vision_parameters(self.model))
        if not self.config.hold_probes:
            return names
        probes = {id(p) for p in self._probe_parameters()}
        return names + tuple(n for n, p in self.model.named_parameters() if id(p) in probes)

    def _new_rows(self, batch_size: int) -> int:
        """How many rows of each batch are the new data's (they come first; the rest are
        rehearsed)."""
        return self.parts.pools[0].per_batch if self.parts.pools else batch_size

    def _taught(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(the rows whose target is the teacher's, the rows whose gap is logged): with
        --prompt-distill every row; --rehearse-distill the rehearsed ones (logged); --teach-as
        the new data's."""
        config, new = self.config, self._new_rows(batch_size)
        row = torch.arange(batch_size)
        taught = torch.full((batch_size,), bool(config.prompt_distill))
        gap_rows = None
        if config.rehearse_distill:
            gap_rows = row >= new
            taught |= gap_rows
        if config.teach_as:
            taught |= row < new
        return taught, gap_rows

    def _capture(self, on: bool) -> None:
        """--teach-features: keep the prefix projections of the forwards in between."""
        for capture in self.captures or ():
            capture.on = on

    def _teacher_view(self) -> dict:
        """--teach-as: the transform's teacher view of each sample."""
        if not self.config.teach_as:
            return {}
        config = self.config
        seed = config.seed * 1_000 + self.processes.rank + self.start_step
        teach = parse_teach_as(config.teach_as)
        return {"teacher_view": TeacherView(teach, config.teach_swap, seed)}

    def _viewed_rows(self, batch_size: int) -> int:
        """How many rows, from the first, the teacher sees in its own view: the new data's, or
        with --teach-swap every row (a rehearsed one may be swapped)."""
        return batch_size if self.config.teach_swap else self._new_rows(batch_size)

    def _rephrasing(self) -> dict:
        """The transform's re-phrasing: of the prompt itself (`--prompt-augment`), or of the
        student's copy of it beside the recorded one (`--prompt-distill`)."""
        config = self.config
        if not config.prompt_augment:
            return {}
        seed = config.seed * 1_000 + self.processes.rank + self.start_step
        key = "student_rephrase" if config.prompt_distill else "rephrase"
        return {key: PromptAugment(seed, config.prompt_keep)}

    def _loader(self, rehearsed: bool = False) -> DataLoader:
        """The training batches; `rehearsed`: batches of the rehearsed pools alone."""
        parts, config = self.parts, self.config
        transform = network_transform(
            parts.spec,
            parts.tokenizer,
            parts.model,
            objects=parts.objects,
            named=config.named_loss > 0,
            **self._rephrasing(),
            **self._teacher_view(),
        )
        weights = sampling_weights(parts.dataset, config)
        start = self.start_step * config.batch_size
        if parts.pools:  # --rehearse: every batch mixes the new data and the rehearsed
            pools = rehearsed_only(parts.pools, config.batch_size) if rehearsed else parts.pools
            sampler = MixedSampler(pools, config.seed, self.processes.rank, start, weights)
        else:
            sampler = ResumableSampler(
                len(parts.dataset),
                config.seed,
                self.processes.rank,
                self.processes.world,
                start=start,
                weights=weights,
            )
        return DataLoader(
            TransformedDataset(parts.dataset, transform),
            batch_size=config.batch_size,
            sampler=sampler,
            num_workers=config.num_workers,
            collate_fn=collate_training,
            persistent_workers=config.num_workers > 0,
        )

    def execute(self, stop_at: int | None = None) -> Path:
        """Train to config.steps (or stop_at), writing metrics and checkpoints on the way."""
        config, main = self.config, self.processes.is_main
        last = min(config.steps, stop_at or config.steps)
        batches = iter(self._loader())
        progress = tqdm(
            total=config.steps,
            initial=self.start_step,
            disable=not main,
            desc="train",
            unit="step",
            mininterval=1.0,
        )
        self._compare_before()
        if config.probe_warmup and self.start_step == 0:
            self._warm_probes()
        if config.teach_colour_map and self.start_step == 0:
            self._teach_colour_map()
            if not config.teach_vision:  # that stage saves it with its tower
                self._save(0)  # the map in front of the network as the checkpoint has it
        if config.teach_vision and self.start_step == 0:
            self._teach_vision()
        window = _Window()
        for step in range(self.start_step, last):
            loss, auxiliary, grad_norm, lr = self._step(next(batches), step)
            done = step + 1
            window.add(loss, auxiliary)
            progress.update(1)
            # the metrics line's figure (the mean since the last line), not one batch's loss
            progress.set_postfix(loss=f"{window.loss / window.steps:.4f}")
            evaluate = config.eval_every > 0 and done % config.eval_every == 0
            if evaluate or done % config.log_every == 0 or done == last:
                record = self._record(done, grad_norm, lr, window)
                if evaluate:
                    record["eval_success_rate"] = self._evaluate(done)
                if done == config.steps and self.comparison is not None:
                    record[compare.AFTER] = self._compare_after(done)
                if self.metrics:
                    self.metrics.write(record)
                window = _Window()
            if done % config.save_every == 0 or done == last:
                self._save(done)
        progress.close()
        return self.out / FINAL_DIR

    def _step(
        self, batch: dict[str, torch.Tensor], step: int
    ) -> tuple[float, dict[str, float], float, float]:
        """One optimiser step: (flow loss, auxiliary losses by metrics key, gradient norm,
        learning rate)."""
        config = self.config
        generator = torch.Generator().manual_seed(step_seed(config.seed, self.processes.rank, step))
        peak = self.parts.lr
        lr = learning_rate(step, peak, config.warmup, config.steps, config.min_lr_ratio)
        set_learning_rate(self.optimizer, lr)
        loss, total, auxiliary = self._losses(batch, generator)
        if not math.isfinite(total.item()):
            raise FloatingPointError(f"the loss became {total.item()} at step {step}: lower --lr")
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        # Each probe is clipped on its own: its fresh, wide gradient must not scale down the
        # network's. The logged norm is the network's.
        grad_norm = torch.nn.utils.clip_grad_norm_(self._network_parameters, config.grad_clip)
        for aux in self.auxiliaries:
            torch.nn.utils.clip_grad_norm_(aux.probe.parameters(), config.grad_clip)
        self.optimizer.step()
        self.ema.update(self.model, step)
        return loss.item(), auxiliary, float(grad_norm), lr

    def _losses(
        self, batch: dict[str, torch.Tensor], generator: torch.Generator, probes_only: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, dict[str, float]]:
        """(flow loss, the total to minimise, auxiliary losses by metrics key) of one batch.

        `probes_only`: the total is the auxiliary losses of the captured tokens cut off from
        the network, so its gradient reaches the probes alone."""
        config, device = self.config, self.processes.device
        inputs = {key: value.to(device) for key, value in model_inputs(batch).items()}
        if config.augment:
            inputs["pixel_values"] = augment_batch(
                inputs["pixel_values"],
                self.parts.spec.cameras,
                generator,
                geometric=config.augment_geometry,
            )
        if config.state_dropout > 0:
            inputs["state"] = drop_state(inputs["state"], config.state_dropout, generator)
        # the network sees the pixels through its colour map, the teacher through its own
        raw = inputs["pixel_values"]
        inputs["pixel_values"] = _mapped(self.teacher_map, raw)
        seen = _mapped(self.colour_map, raw)
        shown_batch = batch
        if "teacher_pixel_values" in batch and self.teacher_map is not None:
            pixels = batch["teacher_pixel_values"].to(device, raw.dtype)
            shown_batch = {**batch, "teacher_pixel_values": _mapped(self.teacher_map, pixels)}
        actions, mask = batch["actions"].to(device), batch["action_mask"].to(device)
        autocast = (
            torch.autocast("cuda", dtype=torch.bfloat16)
            if device.type == "cuda"
            else contextlib.nullcontext()
        )
        with autocast:
            # --prompt-distill, --rehearse-distill, --teach-as: the starting checkpoint's
            # velocity is the target (of every row, the rehearsed ones or the new data's); a
            # probe warm-up logs the flow loss
            gap = None
            if self.teacher is not None and not probes_only:
                taught, gap_rows = self._taught(actions.shape[0])
                shown = (
                    teacher_inputs(inputs, shown_batch, self._viewed_rows(actions.shape[0]))
                    if config.teach_as
                    else None
                )
                if config.teach_chunks:  # the new rows act as the teacher acts in its view
                    new_rows = self._new_rows(actions.shape[0])
                    sampled = teacher_chunks(self.teacher, shown, new_rows, generator)
                    actions = torch.cat([sampled.to(actions.dtype), actions[new_rows:]])
                self._capture(True)
                viewed = student_inputs(inputs, batch) if config.prompt_distill else inputs
                loss, gap = distillation_loss(
                    self.trained,
                    self.teacher,
                    inputs,
                    {**viewed, "pixel_values": seen},
                    actions,
                    mask,
                    self.parts.spec.action_dim,
                    self.parts.model.config,
                    generator,
                    taught=taught,
                    shown=shown,
                    gap_rows=gap_rows,
                )
            else:
                loss = flow_matching_loss(
                    self.trained,
                    {**inputs, "pixel_values": seen},
                    actions,
                    mask,
                    self.parts.spec.action_dim,
                    self.parts.model.config,
                    generator,
                )
            total, auxiliary = (loss.new_zeros(()) if probes_only else loss), {}
            if self.captures is not None and not probes_only:
                self._capture(False)
                student, teacher = (capture.take() for capture in self.captures)
                image_tokens = len(self.parts.spec.cameras) * tokens_per_image(self.parts.model)
                focus = None
                if config.teach_focus:
                    patch = self.parts.model.config.vlm_config.vision_config.patch_size
                    focus = repainted_tokens(
                        batch["teacher_pixel_values"], batch["pixel_values"], patch
                    ).to(device)
                matched = image_token_gap(
                    student, teacher, taught, image_tokens, inputs["attention_mask"], focus
                )
                auxiliary[TEACH_FEATURES] = matched.item()
                total = total + config.teach_features * matched
            if config.rehearse_distill and gap is not None:
                auxiliary[TEACHER_GAP] = gap.item()  # how far the rehearsed rows drifted
            for aux in self.auxiliaries:
                if probes_only and aux.probe.tokens is not None:
                    aux.probe.tokens = aux.probe.tokens.detach()
                target, present = (batch[key].to(device) for key in aux.keys)
                value = object_loss(aux.probe, actions.shape[0], target, present)
                auxiliary[aux.name] = value.item()
                total = total + aux.weight * value
        return loss, total, auxiliary

    def _warm_probes(self) -> None:
        """--probe-warmup: fresh probes learn to read the network as it is (frozen, at a rate
        of their own) before their losses may move it, so their first, arbitrary gradients
        do not pull the image features away. On its own data order: the training's is kept.

        --hold-probes: on the rehearsed data alone (what the checkpoint knows), and the probes
        stay as warmed: their losses then move the network toward reading the new data as the
        checkpoint reads the old (the named cube's position, where a new word names it)."""
        config = self.config
        self._set_probes_trainable(True)
        parameters = self._probe_parameters()
        optimizer = torch.optim.AdamW(parameters, lr=PROBE_WARMUP_LR, weight_decay=0.0)
        batches = iter(self._loader(rehearsed=config.hold_probes))
        window = _Window()
        for step in range(config.probe_warmup):
            generator = torch.Generator().manual_seed(
                step_seed(config.seed + PROBE_WARMUP_SEED, self.processes.rank, step)
            )
            _, total, auxiliary = self._losses(next(batches), generator, probes_only=True)
            optimizer.zero_grad(set_to_none=True)
            total.backward()
            for aux in self.auxiliaries:
                torch.nn.utils.clip_grad_norm_(aux.probe.parameters(), config.grad_clip)
            optimizer.step()
            window.add(0.0, auxiliary)
            if (step + 1) % config.log_every == 0 or step + 1 == config.probe_warmup:
                means = ", ".join(
                    f"{k} {v / window.steps:.4f}" for k, v in window.auxiliary.items()
                )
                log.info("probe warm-up %d/%d: %s", step + 1, config.probe_warmup, means)
                window = _Window()
        self.model.zero_grad(set_to_none=True)  # the network's graph was cut: nothing kept
        if config.hold_probes:
            self._set_probes_trainable(False)
            log.info("probes held as warmed: only their losses' gradients reach the network")

    def _starting_colour_map(self) -> ColourMap | None:
        """The colour map the starting checkpoint sees through (its policy.json names it)."""
        name = self.parts.spec.colour_map
        if name is None:
            return None
        if self.config.teach_colour_map:
            raise ValueError(
                f"--teach-colour-map: {self.config.init} has a colour map already; teach from "
                "the checkpoint it was taught from"
            )
        return load_colour_map(Path(self.config.init), name).to(self.processes.device)

    def _policy(self, network: torch.nn.Module, name: str) -> Policy:
        """A policy of the network as trained so far, seeing through its colour map."""
        spec = replace(
            self.parts.spec, colour_map=None if self.colour_map is None else COLOUR_MAP_FILE
        )
        return Policy(network, self.parts.tokenizer, spec, name=name, colour_map=self.colour_map)

    def _seen_batch(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The batch's pixels as the network sees them, and the teacher's view as it sees it."""
        if self.colour_map is None and self.teacher_map is None:
            return batch
        device = self.processes.device
        seen = {**batch, "pixel_values": _mapped(self.colour_map, batch["pixel_values"].to(device))}
        if "teacher_pixel_values" in batch:
            shown = batch["teacher_pixel_values"].to(device, seen["pixel_values"].dtype)
            seen["teacher_pixel_values"] = _mapped(self.teacher_map, shown)
        return seen

    def _teach_colour_map(self) -> None:
        """--teach-colour-map: a colour map in front of the vision tower learns, alone, to give
        each pixel of a sample as recorded the teacher's view of it (the new colour as the known
        one, every other pixel as it is); it is then frozen, and saved with every checkpoint."""
        config, device = self.config, self.processes.device
        colour_map = ColourMap().to(device)
        optimizer = torch.optim.Adam(colour_map.parameters(), lr=COLOUR_MAP_LR)
        batches = iter(self._loader())
        started, total, count = time.monotonic(), 0.0, 0
        log.info("fitting a colour map to the teacher's view for %d steps", config.teach_colour_map)
        for step in range(config.teach_colour_map):
            batch = next(batches)
            pixels = batch["pixel_values"].to(device)
            loss = colour_map_loss(colour_map, pixels, batch["teacher_pixel_values"].to(device))
            if not math.isfinite(loss.item()):
                raise FloatingPointError(f"the colour map's loss became {loss.item()} at {step}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total, count = total + loss.item(), count + 1
            done = step + 1
            if done % config.log_every == 0 or done == config.teach_colour_map:
                means = {TEACH_COLOUR_MAP: total / count}
                record = _stage_record(
                    "teach_colour_map", done, means, count * config.batch_size, started
                )
                log.info(
                    "teach-colour-map %d/%d: gap %.6f", done, config.teach_colour_map, total / count
                )
                if self.metrics:
                    self.metrics.write(record)
                started, total, count = time.monotonic(), 0.0, 0
        self.colour_map = colour_map.requires_grad_(False).eval()

    def _teach_vision(self) -> None:
        """--teach-vision: the vision tower and projector alone learn, at a rate and with an
        optimiser of their own, to give the starting checkpoint's image features of the
        teacher's view (pi0_core.train.teach_vision); the main loop then starts from them. A
        frozen vision part stays frozen there, yet is saved for --resume."""
        config = self.config
        named = vision_parameters(self.model)
        was = {name: param.requires_grad for name, param in named.items()}
        for param in named.values():
            param.requires_grad_(True)
        optimizer = torch.optim.AdamW(
            list(named.values()), lr=config.teach_vision_lr, betas=(0.9, 0.95), weight_decay=0.0
        )
        image_tokens = len(self.parts.spec.cameras) * tokens_per_image(self.parts.model)
        patch = self.parts.model.config.vlm_config.vision_config.patch_size
        warmup = max(1, config.teach_vision // 20)
        batches = iter(self._loader())
        started, total, focused, count = time.monotonic(), 0.0, 0.0, 0
        log.info(
            "teaching the vision tower for %d steps at lr %g (%s weights)",
            config.teach_vision,
            config.teach_vision_lr,
            f"{sum(p.numel() for p in named.values()):,}",
        )
        for step in range(config.teach_vision):
            lr = learning_rate(
                step, config.teach_vision_lr, warmup, config.teach_vision, config.min_lr_ratio
            )
            set_learning_rate(optimizer, lr)
            loss, focus = vision_batch_loss(
                self.model,
                self.teacher,
                self._seen_batch(next(batches)),
                image_tokens,
                patch,
                self.processes.device,
            )
            if not math.isfinite(loss.item()):
                raise FloatingPointError(
                    f"the vision loss became {loss.item()} at step {step}: lower --teach-vision-lr"
                )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(list(named.values()), config.grad_clip)
            optimizer.step()
            total, count = total + loss.item(), count + 1
            focused += 0.0 if focus is None else focus.item()
            done = step + 1
            if done % config.log_every == 0 or done == config.teach_vision:
                means = {TEACH_VISION: total / count, FOCUS: focused / count, "lr": lr}
                record = _stage_record(
                    "teach_vision", done, means, count * config.batch_size, started
                )
                log.info(
                    "teach-vision %d/%d: gap %.4f, at the repainted tokens %.4f",
                    done,
                    config.teach_vision,
                    total / count,
                    focused / count,
                )
                if self.metrics:
                    self.metrics.write(record)
                started, total, focused, count = time.monotonic(), 0.0, 0.0, 0
        self.model.zero_grad(set_to_none=True)
        with torch.no_grad():  # the average starts from the taught tower
            for name, param in named.items():
                if name in self.ema.shadow:
                    self.ema.shadow[name].copy_(param.detach().float())
        for name, param in named.items():
            param.requires_grad_(was[name])
        self._save(0)  # the taught tower with the rest as the checkpoint has it

    def _record(self, done: int, grad_norm: float, lr: float, window: _Window) -> dict:
        """A metrics line; the losses are the means over the steps since the last line."""
        loss = distributed.mean_over_processes(window.loss / window.steps, self.processes)
        self.last_loss = loss
        elapsed = time.monotonic() - window.started
        samples = window.steps * self.config.batch_size * self.processes.world
        step_time = elapsed / max(1, window.steps)
        record = {
            "step": done,
            "loss": loss,
            "lr": lr,
            "grad_norm": grad_norm,
            "samples_per_s": samples / max(elapsed, 1e-9),
            "eta_s": step_time * (self.config.steps - done),
        }
        for name, total in window.auxiliary.items():
            record[name] = total / window.steps
        return record

    def _export(self) -> torch.nn.Module:
        """A plain network holding the EMA weights (adapters merged), for saving or evaluating."""
        duplicate = copy.deepcopy(self.model)
        self.ema.copy_to(duplicate)
        return detach_probe(merged(duplicate)).eval()

    def _gathered(self) -> torch.nn.Module | None:
        """`_export` on the main process, None elsewhere; under FSDP every process gathers."""
        if self.sharded is None:
            return self._export() if self.processes.is_main else None
        network = self.sharded.export(self.ema)
        return None if network is None else detach_probe(merged(network)).eval()

    def _evaluate(self, done: int) -> float | None:
        rate = None
        network = self._gathered()
        if self.processes.is_main:
            policy = self._policy(network, f"step {done}")
            config = self.config
            rate = sim_success_rate(
                policy, config.eval_task, config.eval_episodes, config.eval_seed
            )
            if rate is not None:
                self.success_rate = rate
                log.info("step %d: success rate on %s %.0f%%", done, config.eval_task, 100 * rate)
        distributed.barrier(self.processes)
        return rate

    def _compare_before(self) -> None:
        """Evaluate the starting checkpoint on every task it knows (once: a resumed run reads
        the result back from metrics.jsonl)."""
        tasks = compare.compare_tasks(self.config, self.parts.dataset.prompts)
        if not tasks:
            return
        config = self.config
        self.comparison = compare.Comparison(tasks, config.eval_episodes, config.eval_seed)
        if self.processes.is_main:
            saved = [r for r in read_metrics(self.out) if compare.BEFORE in r]
            if saved and self.start_step > 0:
                self.comparison.before = saved[-1][compare.BEFORE]
            else:
                log.info("evaluating the starting checkpoint on %s", ", ".join(tasks))
                start = Policy.load(config.init, device=self.processes.device)
                self.comparison.before = compare.success_rates(
                    start, tasks, config.eval_episodes, config.eval_seed
                )
                self.metrics.write({"step": 0, compare.BEFORE: self.comparison.before})
        distributed.barrier(self.processes)

    def _compare_after(self, done: int) -> dict[str, float] | None:
        """Evaluate the result on the same tasks and seeds as the starting checkpoint."""
        comparison, after = self.comparison, None
        if self.processes.is_main:
            policy = self._policy(self._export(), "result")
            after = compare.success_rates(
                policy, comparison.tasks, comparison.episodes, comparison.seed
            )
            comparison.after = after
            log.info(compare.comparison_line(comparison))
            worse = comparison.worse()
            if worse:
                log.warning(
                    "the result is worse than the starting checkpoint on %s", ", ".join(worse)
                )
        distributed.barrier(self.processes)
        return after

    def _save(self, done: int) -> None:
        network = self._gathered()
        state = self.sharded.resume_state(self.ema, self.optimizer) if self.sharded else None
        if self.processes.is_main:
            spec, tokenizer = self.parts.spec, self.parts.tokenizer
            card = model_card(
                self.config,
                spec,
                done,
                len(self.parts.dataset.episode_paths),
                len(self.parts.dataset),
                count_parameters(network),
                self.parts.lr,
                self.last_loss,
                self.success_rate,
                self.comparison,
                compare.learned_tasks(self.config, self.parts.dataset.prompts),
            )
            target = f"{CHECKPOINTS_DIR}/step_{done:06d}"
            saved = (network, tokenizer, spec, card, self.colour_map)
            checkpoint.save_checkpoint(self.out / target, *saved)
            if done == self.config.steps:
                checkpoint.save_checkpoint(self.out / FINAL_DIR, *saved)
            if state is not None:  # gathered from the shards
                resume.save_state(
                    self.out / RESUME_DIR, done, self.processes.world, self.config.to_json(), *state
                )
            else:
                resume.save(
                    self.out / RESUME_DIR,
                    done,
                    self.processes.world,
                    self.config.to_json(),
                    self.model,
                    self.ema.state_dict(),
                    self.optimizer,
                    also=self._held_probe_names(),
                )
            if self.config.teach_colour_map:  # learned before step 1: --resume reads it here
                save_colour_map(self.colour_map, self.out / RESUME_DIR)
            log.info("step %d: checkpoint in %s", done, self.out / target)
        distributed.barrier(self.processes)
