"""Batch image augmentation: bounded, reproducible, no geometry on wrist cameras."""

import torch

from pi0_core.train.augment import AugmentConfig, augment_batch, drop_state

CAMERAS = ("cam_high", "cam_left_wrist")


def _pixels() -> torch.Tensor:
    return torch.rand(4, 2, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1


def test_augmented_images_stay_in_range_and_change() -> None:
    pixels = _pixels()
    out = augment_batch(pixels, CAMERAS, torch.Generator().manual_seed(1))
    assert out.shape == pixels.shape
    assert out.min() >= -1 and out.max() <= 1
    assert not torch.allclose(out, pixels)


def test_same_generator_seed_gives_same_batch() -> None:
    first = augment_batch(_pixels(), CAMERAS, torch.Generator().manual_seed(3))
    again = augment_batch(_pixels(), CAMERAS, torch.Generator().manual_seed(3))
    assert torch.equal(first, again)


def test_wrist_camera_gets_no_crop_or_rotation() -> None:
    no_colour = AugmentConfig(brightness=0.0, contrast=0.0, saturation=0.0)
    pixels = _pixels()
    out = augment_batch(pixels, CAMERAS, torch.Generator().manual_seed(2), no_colour)
    torch.testing.assert_close(out[:, 1], pixels[:, 1])
    assert not torch.allclose(out[:, 0], pixels[:, 0])


def test_colour_only_leaves_geometry_alone() -> None:
    no_colour = AugmentConfig(brightness=0.0, contrast=0.0, saturation=0.0)
    pixels = _pixels()
    generator = torch.Generator().manual_seed(2)
    out = augment_batch(pixels, CAMERAS, generator, no_colour, geometric=False)
    torch.testing.assert_close(out, pixels)


def test_state_dropout_hides_whole_states_at_about_the_rate_asked() -> None:
    state = torch.ones(1000, 32)
    out = drop_state(state, 0.3, torch.Generator().manual_seed(0))
    hidden = (out == 0).all(dim=1)
    assert ((out == 0) | (out == 1)).all() and (hidden | (out == 1).all(dim=1)).all()
    assert 0.25 < hidden.float().mean() < 0.35
    assert torch.equal(out, drop_state(state, 0.3, torch.Generator().manual_seed(0)))
