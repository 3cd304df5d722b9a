"""Distillation from the starting checkpoint: its own velocities as the training target.

`train --prompt-distill`: the student (the network being trained) sees each sample with a
re-phrased prompt; the teacher (a frozen copy of the starting checkpoint) sees the same images,
state and noisy actions with the prompt as recorded. The loss is the gap between their
velocities, so the student learns to act on a new phrasing as the checkpoint acts on its own,
and on a kept prompt exactly as the checkpoint does: no demonstration's actions pull the skills
away (issue #22).

`train --rehearse-distill`: the rehearsed samples of each batch (what the checkpoint already
does) take the teacher's velocity as their target, the new data's the demonstration's; the
rehearsal then asks the network to keep acting as the checkpoint did, not to fit the scripted
expert's actions again (issue #24).

`train --teach-as NEW=KNOWN`: the new data's rows take the teacher's velocity on the teacher's
view of them, the new object repainted and renamed as a known one (pi0_core.train.teach_as).
"""

from __future__ import annotations

import copy

import torch

from pi0_core.train.loss import masked_mean, noisy_actions, velocity_error

STUDENT_KEYS = ("student_input_ids", "student_attention_mask")  # the re-phrased prompt's tokens
# --teach-as: the teacher's view of a sample (images repainted, prompt renamed), as model inputs
TEACHER_KEYS = ("teacher_pixel_values", "teacher_input_ids", "teacher_attention_mask")
# metrics key (--rehearse-distill): the rehearsed rows' gap from the starting checkpoint's velocity
TEACHER_GAP = "teacher_gap"


def make_teacher(model: torch.nn.Module) -> torch.nn.Module:
    """A frozen copy of `model` as it is now (the starting checkpoint), in eval mode."""
    teacher = copy.deepcopy(model).eval()
    for param in teacher.parameters():
        param.requires_grad_(False)
    return teacher


def student_inputs(inputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor]) -> dict:
    """The model inputs with the re-phrased prompt's tokens in place of the recorded ones."""
    ids, mask = (batch[key].to(inputs["input_ids"].device) for key in STUDENT_KEYS)
    return {**inputs, "input_ids": ids, "attention_mask": mask}


def teacher_inputs(
    inputs: dict[str, torch.Tensor], batch: dict[str, torch.Tensor], rows: int
) -> dict[str, torch.Tensor]:
    """The model inputs with the first `rows` rows in the teacher's view (the new data's rows,
    or every row with --teach-swap)."""
    shown = dict(inputs)
    for key in TEACHER_KEYS:
        name = key.removeprefix("teacher_")
        view = batch[key][:rows].to(inputs[name].device, inputs[name].dtype)
        shown[name] = torch.cat([view, inputs[name][rows:]])
    return shown


@torch.no_grad()
def teacher_chunks(
    teacher: torch.nn.Module, shown: dict[str, torch.Tensor], rows: int, generator: torch.Generator
) -> torch.Tensor:
    """(rows, chunk, max_dim) normalised action chunks the teacher samples for the first `rows`
    rows of `shown` (its view), from noise drawn with `generator` (`--teach-chunks`)."""
    first = {key: value[:rows] for key, value in shown.items()}
    config = teacher.config
    shape = (rows, config.chunk_size, config.max_action_dim)
    noise = torch.randn(shape, generator=generator).to(first["state"].device)
    return teacher.sample_actions(**first, noise=noise.to(first["state"].dtype))


def distillation_loss(
    student: torch.nn.Module,
    teacher: torch.nn.Module,
    inputs: dict[str, torch.Tensor],
    rephrased: dict[str, torch.Tensor] | None,
    actions: torch.Tensor,
    action_mask: torch.Tensor,
    action_dim: int,
    config: object,
    generator: torch.Generator,
    taught: int | torch.Tensor = 0,
    shown: dict[str, torch.Tensor] | None = None,
    gap_rows: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(loss, a gap): the masked mean squared gap between the student's velocity and the
    target, over real dims and steps, and that mean over `gap_rows` alone (default: the taught
    rows; None when there are none). The target of the `taught` rows (a (B,) mask, or an int:
    the rows from there on) is the teacher's velocity given `shown` (default `inputs`); of the
    other rows, the demonstration's (noise - actions), as in the flow loss.

    The student sees `rephrased` (the re-phrased prompt) when given, else `inputs`. The noisy
    actions are built from the demonstration's, as in training, so the gap is taken where the
    sampler passes.
    """
    rows = _row_mask(taught, actions.shape[0], actions.device)
    x_t, time, target = noisy_actions(actions, config, generator)
    if rows.any():
        with torch.no_grad():
            velocity = teacher(
                noise=x_t[rows],
                timestep=time[rows],
                **{key: value[rows] for key, value in (shown or inputs).items()},
            ).logits
        target = target.clone()
        target[rows] = velocity.to(target.dtype)
    output = student(noise=x_t, timestep=time, **(rephrased or inputs)).logits
    error = velocity_error(output, target, action_dim)
    loss = masked_mean(error, action_mask)
    gap_rows = rows if gap_rows is None else gap_rows.to(rows.device)
    if not gap_rows.any():
        return loss, None
    return loss, masked_mean(error[gap_rows], action_mask[gap_rows]).detach()


def _row_mask(taught: int | torch.Tensor, size: int, device: torch.device) -> torch.Tensor:
    if isinstance(taught, torch.Tensor):
        return taught.to(device=device, dtype=torch.bool)
    return torch.arange(size, device=device) >= taught
