"""`train --teach-vision STEPS`: first teach the vision tower to see the new colour as the
starting checkpoint sees the known one.

With `--teach-as`, the velocity and the language model's keys and values tell the whole network
at once how the checkpoint would act; fitted on 50 layouts, it learns those layouts more than
the colour (docs/finetune.md, pick_yellow). The vision tower's own output can be fitted apart,
with far more supervision per sample and no language model or expert in the step: every image
token of the student's view (as recorded) should equal the starting checkpoint's token of the
teacher's view (the new colour repainted as the known one), and every token of an image without
the new colour should stay what the checkpoint makes of it. Only the vision tower and its
projector train, with an optimiser of their own, before the main loop; the language model then
learns the new word against a tower that already sees the colour.
"""

from __future__ import annotations

import torch

from pi0_core.train.freeze import part_of
from pi0_core.train.prefix_match import image_token_gap, repainted_tokens

VISION = "vision"  # the part of pi0_core.train.freeze that this stage trains
TEACH_VISION = "teach_vision"  # metrics key: the image features' gap to the teacher's view
FOCUS = "teach_vision_focus"  # metrics key: that gap at the repainted tokens alone
_LORA_PREFIX = "base_model.model."


def vision_parameters(model: torch.nn.Module) -> dict[str, torch.nn.Parameter]:
    """The vision tower's and projector's parameters by name (LoRA-wrapped names too)."""
    named = {n: p for n, p in model.named_parameters() if part_of(n) == VISION}
    if not named:
        raise ValueError("--teach-vision: this network has no vision tower weights")
    return named


def _vlm(model: torch.nn.Module) -> torch.nn.Module:
    for name, module in model.named_modules():
        if name.removeprefix(_LORA_PREFIX) == "model.vlm":
            return module
    raise ValueError("--teach-vision: this network has no PaliGemma part (model.vlm)")


def image_features(model: torch.nn.Module, pixels: torch.Tensor) -> torch.Tensor:
    """(B, cameras * tokens, width): what the language model receives of (B, cameras, 3, H, W)
    pixels, camera after camera."""
    batch, cameras = pixels.shape[:2]
    features = _vlm(model).get_image_features(pixels.flatten(0, 1)).pooler_output
    return features.reshape(batch, cameras * features.shape[1], features.shape[2])


def feature_gap(
    student: torch.Tensor,
    teacher: torch.Tensor,
    visible: torch.Tensor,
    focus: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(loss, the gap at the focus tokens or None) of (B, tokens, width) features: the prefix
    match's image_token_gap (relative to the teacher's mean square, visible tokens only, the
    `focus` tokens counted again) of the tower's one output, every row."""
    rows = torch.ones(student.shape[0], dtype=torch.bool, device=student.device)
    tokens = visible.shape[1]
    loss = image_token_gap([student], [teacher], rows, tokens, visible, focus)
    if focus is None:
        return loss, None
    plain = image_token_gap([student], [teacher], rows, tokens, visible)
    return loss, (loss - plain).detach()


def vision_batch_loss(
    student: torch.nn.Module,
    teacher: torch.nn.Module,
    batch: dict[str, torch.Tensor],
    image_tokens: int,
    patch: int,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """feature_gap of one collated batch that holds the teacher's view (`--teach-as`): every
    row, the repainted tokens focused."""
    pixels = batch["pixel_values"].to(device)
    shown = batch["teacher_pixel_values"].to(device, pixels.dtype)
    with torch.no_grad():
        target = image_features(teacher, shown)
    output = image_features(student, pixels)
    visible = batch["attention_mask"][:, :image_tokens].to(device)
    focus = repainted_tokens(shown, pixels, patch).to(device)
    return feature_gap(output, target, visible, focus)
