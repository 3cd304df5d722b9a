"""The memory planner: sharding, precision, batch search, and its estimate against autograd."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from pi0_core.presets import get_preset
from pi0_core.train.memory_measure import measure_step
from pi0_core.train.memory_plan import RunShape, activation_elements, max_batch_size, plan
from pi0_core.train.network_shape import StackShape, shape_of_preset
from tests.pi0_core.conftest import MICRO

PI0 = shape_of_preset(get_preset("pi0"))


def test_fsdp_shards_gradients_and_optimiser_state() -> None:
    alone = plan(PI0, RunShape(batch_size=4))
    sharded = plan(PI0, RunShape(batch_size=4, processes=8, fsdp=True))
    assert sharded.optimizer_gb == pytest.approx(alone.optimizer_gb / 8)
    assert sharded.weights_gb < alone.weights_gb / 2
    assert sharded.activations_gb == alone.activations_gb


def test_lora_under_fsdp_gathers_no_gradient_of_the_frozen_token_table() -> None:
    alone = plan(PI0, RunShape(lora=True))
    sharded = plan(PI0, RunShape(lora=True, processes=8, fsdp=True))
    assert sharded.gradients_gb < alone.gradients_gb / 4


def test_ddp_keeps_a_second_copy_of_the_gradients() -> None:
    alone = plan(PI0, RunShape(batch_size=4))
    ddp = plan(PI0, RunShape(batch_size=4, processes=2))
    assert ddp.gradients_gb == pytest.approx(2 * alone.gradients_gb)


def test_lora_trains_a_small_part() -> None:
    full, lora = plan(PI0, RunShape()), plan(PI0, RunShape(lora=True))
    assert lora.optimizer_gb < full.optimizer_gb / 5
    assert lora.weights_gb > full.weights_gb  # the adapters come on top of the frozen base


def test_frozen_parts_need_no_gradients_nor_optimiser_state() -> None:
    full = plan(PI0, RunShape(batch_size=4))
    expert = plan(PI0, RunShape(batch_size=4, freeze=("expert",)))
    vision = plan(PI0, RunShape(batch_size=4, freeze=("vision",)))
    both = plan(PI0, RunShape(batch_size=4, freeze=("vision", "language")))
    assert expert.optimizer_gb < full.optimizer_gb and expert.weights_gb == full.weights_gb
    assert expert.activations_gb == full.activations_gb  # the gradient still runs through it
    assert vision.activations_gb < full.activations_gb  # the tower keeps nothing for backward
    assert both.activations_gb < vision.activations_gb  # nor the language model, then
    with pytest.raises(ValueError, match="--freeze: unknown part"):
        RunShape(freeze=("eyes",))
    with pytest.raises(ValueError, match="--freeze is not supported with --fsdp"):
        RunShape(freeze=("expert",), processes=8, fsdp=True)


def test_activations_grow_with_the_batch_and_shrink_with_checkpointing() -> None:
    one, eight = plan(PI0, RunShape(batch_size=1)), plan(PI0, RunShape(batch_size=8))
    assert eight.activations_gb == pytest.approx(8 * one.activations_gb)
    checkpointed = activation_elements(PI0, RunShape(grad_checkpointing=True))
    assert checkpointed < activation_elements(PI0, RunShape())


def test_largest_batch_fits_and_one_more_does_not() -> None:
    run = RunShape(lora=True)
    batch = max_batch_size(PI0, run, 80.0)
    assert batch > 0
    assert plan(PI0, replace(run, batch_size=batch)).peak_gb <= 0.9 * 80.0
    assert plan(PI0, replace(run, batch_size=batch + 1)).peak_gb > 0.9 * 80.0
    assert max_batch_size(PI0, RunShape(), 8.0) == 0  # the full network's state alone is larger


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"batch_size": 0}, "--batch-size must be at least 1"),
        ({"processes": 0}, "--processes must be in"),
        ({"precision": "fp16"}, "--precision must be one of"),
        ({"cameras": 0}, "at least one camera"),
    ],
)
def test_bad_run_options_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RunShape(**changes)


@pytest.mark.parametrize("memory", [0.0, -4.0, math.nan])
def test_bad_memory_is_refused(memory: float) -> None:
    with pytest.raises(ValueError, match="--memory-gb must be a positive number"):
        max_batch_size(PI0, RunShape(), memory)


def test_bad_stack_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="positive sizes"):
        StackShape(hidden=0, layers=1, heads=1, kv_heads=1, head_dim=1, mlp=1)


@pytest.mark.parametrize("precision", ["float32", "bf16"])
def test_activation_estimate_is_close_to_what_autograd_saves(precision: str) -> None:
    run = RunShape(batch_size=2, cameras=2, precision=precision)
    measured = measure_step(MICRO, run)
    estimate = plan(shape_of_preset(MICRO), run)
    assert measured.saved_gb == pytest.approx(estimate.activations_gb, rel=0.25)
    assert measured.peak_gb > measured.state_gb
