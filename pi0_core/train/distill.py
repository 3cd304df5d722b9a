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
"""

from __future__ import annotations

import copy

import torch

from pi0_core.train.loss import masked_mean, noisy_actions, velocity_error

STUDENT_KEYS = ("student_input_ids", "student_attention_mask")  # the re-phrased prompt's tokens
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
    taught_from: int = 0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(loss, the taught rows' gap): the masked mean squared gap between the student's velocity
    and the target, over real dims and steps, and that mean over the taught rows alone (None
    when there are none). The target of rows from `taught_from` on is the teacher's velocity
    given `inputs`; of the rows before, the demonstration's (noise - actions), as in the flow
    loss.

    The student sees `rephrased` (the re-phrased prompt) when given, else `inputs`. The noisy
    actions are built from the demonstration's, as in training, so the gap is taken where the
    sampler passes.
    """
    x_t, time, target = noisy_actions(actions, config, generator)
    if taught_from < actions.shape[0]:
        rows = slice(taught_from, None)
        with torch.no_grad():
            taught = teacher(
                noise=x_t[rows],
                timestep=time[rows],
                **{key: value[rows] for key, value in inputs.items()},
            ).logits
        target = torch.cat([target[:taught_from], taught.to(target.dtype)])
    output = student(noise=x_t, timestep=time, **(rephrased or inputs)).logits
    error = velocity_error(output, target, action_dim)
    loss = masked_mean(error, action_mask)
    if taught_from >= actions.shape[0]:
        return loss, None
    return loss, masked_mean(error[taught_from:], action_mask[taught_from:]).detach()
