"""The README.md written into each checkpoint: what it is, what it saw, how it did."""

from __future__ import annotations

import time

from pi0_core.colour_map import COLOUR_MAP_FILE
from pi0_core.spec import PolicySpec
from pi0_core.train.card_tasks import TASKS_LINE, demo_recipes, read_card
from pi0_core.train.compare import Comparison
from pi0_core.train.config import TrainConfig
from pi0_core.train.teach_as import parse_teach_as


def model_card(
    config: TrainConfig,
    spec: PolicySpec,
    step: int,
    episodes: int,
    samples: int,
    parameters: int,
    peak_lr: float,
    last_loss: float | None,
    success_rate: float | None,
    comparison: Comparison | None = None,
    tasks: tuple[str, ...] = (),
) -> str:
    """Markdown text of the model card."""
    start = f"from `{config.init}`" if config.init else f"from scratch (preset `{config.preset}`)"
    lines = [
        f"# π0 policy: {spec.preset}, step {step}",
        "",
        f"Trained {start} with pi0 Studio on {time.strftime('%Y-%m-%d')}.",
        "",
        f"- data: {', '.join(config.data)} ({episodes} episodes, {samples} samples)",
        f"- cameras: {', '.join(spec.cameras)}; state {spec.state_dim}, actions {spec.action_dim}",
        f"- images {spec.image_size} px, prompt budget {spec.token_budget} tokens, "
        f"chunk {spec.chunk_size}",
        f"- image crops: {_crops_text(spec)}; augmentation: {_augment_text(config)}; "
        f"state dropout: {config.state_dropout:g}",
        f"- object-position loss weight: {config.object_loss:g}, named-object loss weight: "
        f"{config.named_loss:g}" + _probe_text(config) + f"; episode starts (first "
        f"{config.start_steps} steps) drawn {config.start_weight:g}x as often, grasps (a gripper "
        f"closing within {config.grasp_steps} steps) {config.grasp_weight:g}x",
        "- prompts: "
        + (
            "re-phrased per sample by the prompt grammar (`--prompt-augment`)"
            + (f", {config.prompt_keep:.0%} kept as recorded" if config.prompt_keep else "")
            + (
                "; distilled from the starting checkpoint given the recorded prompt "
                "(`--prompt-distill`: its velocities are the target, not the actions)"
                if config.prompt_distill
                else ""
            )
            if config.prompt_augment
            else "as recorded"
        ),
        f"- parameters: {parameters / 1e6:.2f} M"
        + (" (LoRA fine-tune, merged)" if config.lora else "")
        + (f"; frozen: {', '.join(config.freeze)} (as in --init)" if config.freeze else ""),
        f"- steps: {step} of {config.steps}, batch {config.batch_size}, peak lr {peak_lr:g}, "
        f"warm-up {config.warmup} steps, EMA {config.ema:.4g} (these weights are the EMA)",
    ]
    if last_loss is not None:
        lines.append(f"- last training loss: {last_loss:.4f}")
    if success_rate is not None:
        lines.append(f"- simulator success rate on {config.eval_task}: {success_rate:.0%}")
    if config.teach_as:
        teach = parse_teach_as(config.teach_as)
        lines.append(
            f"- taught as a known object: the new data's target is the starting checkpoint's "
            f"velocity with {teach.new_word} {teach.new_rgb} repainted and named as "
            f"{teach.known_word} {teach.known_rgb} "
            f"(`--teach-as {teach.new_word}={teach.known_word}`)"
            + (
                f"; the image tokens' keys and values matched to its, weight "
                f"{config.teach_features:g} (`--teach-features`"
                + (
                    ", the repainted ones again alone, `--teach-focus`)"
                    if config.teach_focus
                    else ")"
                )
                if config.teach_features
                else ""
            )
            + (
                f"; {config.teach_swap:.0%} of the samples naming {teach.known_word} shown with "
                f"it repainted and named as {teach.new_word} (`--teach-swap`)"
                if config.teach_swap
                else ""
            )
            + (
                "; its action chunks are the checkpoint's own, sampled in that view "
                "(`--teach-chunks`)"
                if config.teach_chunks
                else ""
            )
            + (
                f"; first the vision tower alone fitted to its image features in that view for "
                f"{config.teach_vision} steps at lr {config.teach_vision_lr:g} (`--teach-vision`)"
                if config.teach_vision
                else ""
            )
            + (
                f"; first a per-pixel colour map in front of the vision tower fitted to that view "
                f"for {config.teach_colour_map} steps (`--teach-colour-map`, saved as "
                f"{COLOUR_MAP_FILE}): this policy sees the two colours alike"
                if config.teach_colour_map
                else ""
            )
        )
    if config.rehearse:
        taught = (
            " (their target: the starting checkpoint's velocities, `--rehearse-distill`)"
            if config.rehearse_distill
            else ""
        )
        lines.append(f"- rehearsed in every batch: {'; '.join(config.rehearse)}{taught}")
    if tasks:
        lines.append(f"{TASKS_LINE}{', '.join(tasks)}")
    if comparison is not None and comparison.after:
        lines += ["", "## Before and after", "", _comparison_text(comparison)]
    lines += _inherited_recipes(config)
    return "\n".join(lines) + "\n"


def _comparison_text(comparison: Comparison) -> str:
    worse = comparison.worse()
    verdict = (
        f"**Worse than the starting checkpoint on {', '.join(worse)}.**"
        if worse
        else "Not worse than the starting checkpoint on any task."
    )
    return (
        f"Simulator success on {comparison.episodes} episodes per task, seeds "
        f"{comparison.seed}-{comparison.seed + comparison.episodes - 1} for both:\n\n"
        f"{comparison.table()}\n\n{verdict}"
    )


def _inherited_recipes(config: TrainConfig) -> list[str]:
    """The starting checkpoint's demos commands, so `--rehearse init` works from this one too."""
    if config.init is None:
        return []
    recipes = demo_recipes(read_card(config.init))
    if not recipes:
        return []
    return [
        "",
        "## The starting checkpoint's data",
        "",
        "```bash",
        *(f"{recipe.command} --out DIR" for recipe in recipes),
        "```",
    ]


def _crops_text(spec: PolicySpec) -> str:
    if not spec.crops:
        return "none"
    parts = [f"{cam} {tuple(round(v, 3) for v in crop)}" for cam, crop in spec.crops.items()]
    return ", ".join(parts)


def _augment_text(config: TrainConfig) -> str:
    if not config.augment:
        return "off"
    return "crop/rotate fixed cameras + colour" if config.augment_geometry else "colour only"


def _probe_text(config: TrainConfig) -> str:
    if not config.probe_warmup:
        return ""
    if config.hold_probes:
        return f" (probes warmed {config.probe_warmup} steps on the rehearsed data, then held)"
    return f" (probes warmed {config.probe_warmup} steps first)"
