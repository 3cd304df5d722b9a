"""The input transforms on literal inputs."""

import logging

import numpy as np
import pytest
import torch

from pi0_core.policy import Policy
from pi0_core.tokenizer import ByteTokenizer
from pi0_core.transforms import (
    Normalize,
    PadToDim,
    PrepareImages,
    TokenizePrompt,
    Unnormalize,
    check_crop,
    clean_prompt,
    crop_image,
    resize_with_pad,
)
from tests.pi0_core.conftest import make_noise, make_observation


def test_resize_with_pad_keeps_aspect_and_pads_with_zero() -> None:
    image = np.full((20, 40, 3), 200, dtype=np.uint8)
    out = resize_with_pad(image, 16)
    assert out.shape == (3, 16, 16)
    assert torch.all(out[:, 4:12] == 200)
    assert torch.all(out[:, :4] == 0) and torch.all(out[:, 12:] == 0)


def test_images_scaled_to_signed_unit_range_and_missing_camera_masked(caplog) -> None:
    prepare = PrepareImages(("cam_high", "cam_low"), size=8)
    image = np.zeros((8, 8, 3), dtype=np.uint8)
    image[0, 0] = 255
    with caplog.at_level(logging.WARNING):
        out = prepare({"images": {"cam_high": image}})
        prepare({"images": {"cam_high": image}})
    assert out["pixel_values"].shape == (2, 3, 8, 8)
    assert out["pixel_values"][0].min() == -1.0 and out["pixel_values"][0].max() == 1.0
    assert out["image_mask"].tolist() == [True, False]
    assert [r.getMessage() for r in caplog.records].count(
        "camera cam_low is missing: zero-filled and masked out"
    ) == 1


def test_crop_keeps_the_named_region_before_resizing() -> None:
    image = np.zeros((40, 80, 3), dtype=np.uint8)
    image[10:30, 20:40] = 255  # the region the crop should keep, and only it
    assert crop_image(image, (0.25, 0.25, 0.75, 0.5)).shape == (20, 20, 3)
    prepare = PrepareImages(("cam_high",), size=10, crops={"cam_high": (0.25, 0.25, 0.75, 0.5)})
    out = prepare({"images": {"cam_high": image}})["pixel_values"][0]
    assert torch.all(out == 1.0)  # all white: nothing outside the region, no padding
    uncropped = PrepareImages(("cam_high",), size=10)({"images": {"cam_high": image}})
    assert uncropped["pixel_values"][0].min() == -1.0


def test_crop_outside_the_image_is_refused() -> None:
    with pytest.raises(ValueError, match="crop of cam_high must satisfy"):
        check_crop("cam_high", (0.5, 0.0, 0.4, 1.0))
    with pytest.raises(ValueError, match="needs 4 numbers"):
        check_crop("cam_high", (0.0, 1.0))


def test_normalize_then_unnormalize_is_identity() -> None:
    mean, std = np.array([1.0, -2.0]), np.array([2.0, 0.0])
    state = np.array([3.0, -2.5])
    normal = Normalize("state", mean, std)({"state": state})["state"]
    np.testing.assert_allclose(normal, [1.0, -50.0])  # the zero std is floored at 0.01
    back = Unnormalize("state", mean, std)(normal_sample := {"state": normal})["state"]
    np.testing.assert_allclose(back, state, atol=1e-6)
    assert normal_sample["state"] is normal


def test_pad_to_dim_appends_zeros() -> None:
    out = PadToDim("state", 5)({"state": np.array([1.0, 2.0])})["state"]
    assert out.tolist() == [1.0, 2.0, 0.0, 0.0, 0.0]


def test_prompt_cleaning() -> None:
    assert clean_prompt("  pick_up\nthe   cube ") == "pick up the cube"


def test_tokenize_layout_and_masks() -> None:
    tokenize = TokenizePrompt(
        ByteTokenizer(), token_budget=8, tokens_per_image=2, image_token_id=99
    )
    out = tokenize({"prompt": "ab", "image_mask": torch.tensor([True, False])})
    assert out["input_ids"].tolist() == [99, 99, 99, 99, 1, 100, 101, 13, 0, 0, 0, 0]
    assert out["attention_mask"].tolist() == [1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]


def test_long_prompt_truncated_with_one_warning(caplog) -> None:
    tokenize = TokenizePrompt(
        ByteTokenizer(), token_budget=8, tokens_per_image=1, image_token_id=99
    )
    sample = {"prompt": "a much too long prompt", "image_mask": torch.tensor([True])}
    with caplog.at_level(logging.WARNING):
        out = tokenize(sample)
        tokenize(sample)
    assert len(out["input_ids"]) == 9
    assert out["input_ids"][-1] == ord("\n") + 3
    warnings = [r for r in caplog.records if "over the budget" in r.getMessage()]
    assert len(warnings) == 1


def test_masked_camera_content_does_not_change_actions(policy: Policy) -> None:
    obs = make_observation()
    del obs["images"]["cam_left_wrist"]
    first = policy.infer(obs, noise=make_noise())
    other = make_observation(seed=5)
    other["images"] = {"cam_high": obs["images"]["cam_high"]}
    other["state"], other["prompt"] = obs["state"], obs["prompt"]
    np.testing.assert_allclose(policy.infer(other, noise=make_noise()), first, atol=1e-6)
