"""Preset registry and the networks it builds."""

import pytest
from transformers import PI0Config

from pi0_core.model import build_config, build_model, count_parameters
from pi0_core.presets import get_preset
from pi0_core.tokenizer import ByteTokenizer


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown preset 'tniy'; known presets: pi0, tiny"):
        get_preset("tniy")


def test_pi0_preset_is_the_published_architecture() -> None:
    ours = build_config(get_preset("pi0"), vocab_size=257152)
    reference = PI0Config()
    for part in ("text_config", "vision_config"):
        mine, theirs = getattr(ours.vlm_config, part), getattr(reference.vlm_config, part)
        for key in ("hidden_size", "num_hidden_layers", "intermediate_size", "num_attention_heads"):
            assert getattr(mine, key) == getattr(theirs, key), (part, key)
    for key in ("hidden_size", "num_hidden_layers", "intermediate_size", "head_dim"):
        assert getattr(ours.dit_config, key) == getattr(reference.dit_config, key), key
    assert ours.vlm_config.vision_config.patch_size == 14
    assert (ours.chunk_size, ours.max_action_dim, ours.num_inference_steps) == (50, 32, 10)


def test_tiny_preset_has_a_few_million_parameters() -> None:
    model = build_model(get_preset("tiny"), ByteTokenizer.vocab_size)
    assert 2e6 < count_parameters(model) < 10e6
    vision = model.config.vlm_config.vision_config
    assert vision.image_size % vision.patch_size == 0


def test_tiny_token_budget_fits_the_longest_simulator_prompt() -> None:
    longest = "pick up the cube with the right arm and hand it to the left arm"
    assert len(longest.encode()) + 2 <= get_preset("tiny").token_budget  # + BOS and newline
