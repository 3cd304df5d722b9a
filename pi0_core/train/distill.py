"""`train --prompt-distill`: new phrasings taught by the starting checkpoint itself.

The student (the network being trained) sees each sample with a re-phrased prompt; the teacher
(a frozen copy of the starting checkpoint) sees the same images, state and noisy actions with
the prompt as recorded. The loss is the gap between their velocities, so the student learns to
act on a new phrasing as the checkpoint acts on its own, and on a kept prompt exactly as the
checkpoint does: no demonstration's actions pull the skills away (issue #22).
"""

from __future__ import annotations

import copy

import torch

from pi0_core.train.loss import sample_time

STUDENT_KEYS = ("student_input_ids", "student_attention_mask")  # the re-phrased prompt's tokens


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
    rephrased: dict[str, torch.Tensor],
    actions: torch.Tensor,
    action_mask: torch.Tensor,
    action_dim: int,
    config: object,
    generator: torch.Generator,
) -> torch.Tensor:
    """Mean squared gap between the student's velocity (re-phrased prompt) and the teacher's
    (recorded prompt) at the same noisy actions and time, over real dims and steps.

    The noisy actions are built from the demonstration's, as in training, so the gap is taken
    where the sampler passes; the demonstration's actions are never a target.
    """
    noise = torch.randn(actions.shape, generator=generator).to(actions.device, actions.dtype)
    time = sample_time(actions.shape[0], config, generator).to(actions.device)
    t = time[:, None, None]
    noisy_actions = t * noise + (1 - t) * actions
    with torch.no_grad():
        target = teacher(noise=noisy_actions, timestep=time, **inputs).logits.float()
    output = student(noise=noisy_actions, timestep=time, **rephrased).logits.float()
    error = (output - target)[..., :action_dim].pow(2).mean(dim=-1)
    mask = action_mask.float()
    return (error * mask).sum() / mask.sum().clamp(min=1.0)
