"""Parameter counts from the shapes, against the networks transformers builds."""

from __future__ import annotations

import pytest
import torch

from pi0_core.model import build_config, build_model
from pi0_core.presets import get_preset
from pi0_core.train.lora import apply_lora
from pi0_core.train.network_shape import shape_of_config, shape_of_preset
from pi0_core.train.parameter_counts import parameter_counts
from tests.pi0_core.conftest import MICRO

PI0 = shape_of_preset(get_preset("pi0"))


def _meta_network(name: str):
    from transformers import PI0ForConditionalGeneration

    preset = get_preset(name)
    with torch.device("meta"):
        return PI0ForConditionalGeneration(
            build_config(preset, shape_of_preset(preset).language.vocab)
        )


@pytest.mark.parametrize("name", ["tiny", "pi0"])
def test_counts_match_the_network_built_from_the_preset(name: str) -> None:
    network = _meta_network(name)
    counts = parameter_counts(shape_of_preset(get_preset(name)))
    assert counts.total == sum(p.numel() for p in network.parameters())
    unused = network.model.dit.embed_tokens.weight.numel()
    assert counts.trainable == counts.total - unused


def test_full_pi0_has_its_published_size() -> None:
    counts = parameter_counts(PI0)
    assert 3.4e9 < counts.total < 3.6e9
    assert counts.total - counts.trainable == 257_152 * 1024  # the expert's 263M token table


def test_lora_counts_match_peft() -> None:
    network = build_model(MICRO, 259)
    network.model.dit.embed_tokens.weight.requires_grad_(False)
    wrapped = apply_lora(network, 4)
    counts = parameter_counts(shape_of_preset(MICRO), lora_rank=4)
    assert counts.total == sum(p.numel() for p in wrapped.parameters())
    assert counts.trainable == sum(p.numel() for p in wrapped.parameters() if p.requires_grad)


@pytest.mark.parametrize("lora_rank", [0, 4])
@pytest.mark.parametrize("frozen", [("expert",), ("vision",), ("language",), ("vision", "expert")])
def test_frozen_counts_match_the_network_frozen_as_training_freezes_it(
    frozen: tuple[str, ...], lora_rank: int
) -> None:
    from pi0_core.train.freeze import freeze

    network = build_model(MICRO, 259)
    network.model.dit.embed_tokens.weight.requires_grad_(False)
    if lora_rank:
        network = apply_lora(network, lora_rank)
    freeze(network, frozen)
    counts = parameter_counts(shape_of_preset(MICRO), lora_rank, frozen)
    assert counts.trainable == sum(p.numel() for p in network.parameters() if p.requires_grad)
    assert counts.total == sum(p.numel() for p in network.parameters())


def test_shape_read_from_a_config_is_the_presets() -> None:
    preset = get_preset("tiny")
    config = build_config(preset, 259)
    assert shape_of_config(config, preset.token_budget) == shape_of_preset(preset)
