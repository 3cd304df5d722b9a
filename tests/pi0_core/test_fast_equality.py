"""The fast sampler returns stock `sample_actions`' actions, switch by switch (float32, CPU)."""

from __future__ import annotations

import pytest
import torch
from transformers import PI0Config, PI0ForConditionalGeneration

from pi0_core.fast import BASELINE_OPTIONS, FastOptions, FastSampler

TOLERANCE = 1e-4
SWITCHES = [
    "hoist_masks",
    "kv_buffer",
    "cache_state_kv",
    "pack_gqa",
    "drop_full_mask",
    "trim_padding",
    "fuse_expert",
    "gelu_by_sigmoid",
    "fp32_integration",
]
IMAGE_TOKENS = 4  # 32 px images, 16 px patches


def make_model(seed: int = 0) -> PI0ForConditionalGeneration:
    """A very small π0 with every weight perturbed, so no error can hide behind zeros."""
    gemma = {"model_type": "gemma", "num_hidden_layers": 2, "num_attention_heads": 4}
    gemma |= {"num_key_value_heads": 1, "head_dim": 16, "vocab_size": 64}
    config = PI0Config(
        vlm_config={
            "model_type": "paligemma",
            "text_config": gemma | {"hidden_size": 48, "intermediate_size": 96},
            "vision_config": {
                "model_type": "siglip_vision_model",
                "hidden_size": 32,
                "intermediate_size": 64,
                "num_hidden_layers": 1,
                "num_attention_heads": 2,
                "patch_size": 16,
                "image_size": 32,
                "vision_use_head": False,
            },
            "projection_dim": 48,
            "image_token_id": 63,
        },
        dit_config=gemma | {"hidden_size": 32, "intermediate_size": 64},
        chunk_size=8,
        max_state_dim=6,
        max_action_dim=6,
        num_inference_steps=4,
    )
    torch.manual_seed(seed)
    model = PI0ForConditionalGeneration(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn_like(parameter) * 0.1)
    return model


def make_inputs(
    model: PI0ForConditionalGeneration, lengths: list[int], cameras: int = 2, budget: int = 6
) -> dict[str, torch.Tensor]:
    """A batch with len(lengths) rows; row i has lengths[i] valid prompt tokens."""
    generator = torch.Generator().manual_seed(1)
    batch, image_tokens = len(lengths), cameras * IMAGE_TOKENS
    config = model.config
    input_ids = torch.randint(1, 60, (batch, image_tokens + budget), generator=generator)
    input_ids[:, :image_tokens] = config.vlm_config.image_token_id
    attention_mask = torch.ones_like(input_ids)
    for row, length in enumerate(lengths):
        attention_mask[row, image_tokens + length :] = 0
    return {
        "state": torch.randn(batch, config.max_state_dim, generator=generator),
        "input_ids": input_ids,
        "pixel_values": torch.randn(batch, cameras, 3, 32, 32, generator=generator),
        "attention_mask": attention_mask,
        "pixel_attention_mask": torch.ones(batch, cameras, dtype=torch.bool),
        "noise": torch.randn(batch, config.chunk_size, config.max_action_dim, generator=generator),
    }


@pytest.fixture(scope="module")
def model() -> PI0ForConditionalGeneration:
    return make_model()


def _max_diff(model, options: FastOptions, inputs: dict) -> float:
    stock = model.sample_actions(**inputs)
    ours = FastSampler(model, options).sample_actions(**inputs)
    assert ours.shape == stock.shape and ours.dtype == stock.dtype
    return (ours - stock).abs().max().item()


@pytest.mark.parametrize("switch", SWITCHES)
def test_each_switch_alone_matches_stock(model, switch: str) -> None:
    inputs = make_inputs(model, [3, 6])  # row 0 padded, row 1 full
    options = BASELINE_OPTIONS.with_changes(**{switch: True})
    assert _max_diff(model, options, inputs) < TOLERANCE


@pytest.mark.parametrize("options", [BASELINE_OPTIONS, FastOptions()], ids=["baseline", "default"])
@pytest.mark.parametrize("lengths", [[2], [6], [4, 1, 6]], ids=["padded", "full", "batch"])
def test_all_switches_match_stock(model, options: FastOptions, lengths: list[int]) -> None:
    assert _max_diff(model, options, make_inputs(model, lengths)) < TOLERANCE


def test_without_attention_mask_matches_stock(model) -> None:
    # Stock then numbers positions differently (prefix from 1, expert from the cache length).
    inputs = make_inputs(model, [6, 6])
    del inputs["attention_mask"]
    assert _max_diff(model, FastOptions(), inputs) < TOLERANCE


def test_masked_camera_matches_stock(model) -> None:
    inputs = make_inputs(model, [4])
    inputs["pixel_attention_mask"][0, 1] = False
    inputs["attention_mask"][0, IMAGE_TOKENS : 2 * IMAGE_TOKENS] = 0
    assert _max_diff(model, FastOptions(), inputs) < TOLERANCE


def test_number_of_steps_is_honoured(model) -> None:
    inputs = make_inputs(model, [3]) | {"num_steps": 7}
    assert _max_diff(model, FastOptions(), inputs) < TOLERANCE


def test_repeated_calls_reuse_buffers_without_leaking_state(model) -> None:
    sampler = FastSampler(model, FastOptions())
    first, second = make_inputs(model, [2]), make_inputs(model, [5])
    second["noise"] = second["noise"] * 0.5
    sampler.sample_actions(**first)
    again = sampler.sample_actions(**second)
    assert (again - model.sample_actions(**second)).abs().max().item() < TOLERANCE


def test_drawn_noise_is_the_same_draw_as_stock(model) -> None:
    inputs = make_inputs(model, [4])
    del inputs["noise"]
    torch.manual_seed(5)
    stock = model.sample_actions(**inputs)
    torch.manual_seed(5)
    ours = FastSampler(model, FastOptions()).sample_actions(**inputs)
    assert (ours - stock).abs().max().item() < TOLERANCE
