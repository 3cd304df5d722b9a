"""The fast sampler's API: the cached entry point, fall backs, weight changes, bf16, options."""

from __future__ import annotations

import copy
import logging

import pytest
import torch

from pi0_core.fast import FastOptions, FastSampler, default_options, fast_sample_actions
from pi0_core.fast import sampler as sampler_module
from tests.pi0_core.test_fast_equality import TOLERANCE, make_inputs, make_model


@pytest.fixture(scope="module")
def model():
    return make_model(seed=3)


def _diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()


def test_entry_point_matches_stock_and_keeps_one_sampler(model) -> None:
    inputs = make_inputs(model, [3])
    first = fast_sample_actions(model, **inputs)
    second = fast_sample_actions(model, **inputs)
    assert _diff(first, model.sample_actions(**inputs)) < TOLERANCE
    assert torch.equal(first, second)
    assert len(sampler_module._SAMPLERS[model]) == 1


def test_unsupported_model_runs_stock_with_a_warning(caplog) -> None:
    class NotPi0(torch.nn.Module):
        def sample_actions(self, *args, **kwargs):
            return torch.full((1, 2, 3), 7.0)

    with caplog.at_level(logging.WARNING, logger="pi0_core.fast.sampler"):
        actions = fast_sample_actions(NotPi0(), torch.zeros(1, 6), torch.zeros(1, 4), None)
    assert torch.equal(actions, torch.full((1, 2, 3), 7.0))
    assert "running stock" in caplog.text


def test_extra_arguments_go_to_stock(model, monkeypatch) -> None:
    seen = {}

    def stock(*args, **kwargs):
        seen.update(kwargs)
        return torch.zeros(1)

    monkeypatch.setattr(model, "sample_actions", stock)
    FastSampler(model).sample_actions(**make_inputs(model, [2]), output_attentions=False)
    assert seen == {"output_attentions": False}


def test_changed_weights_are_picked_up(model) -> None:
    changed = copy.deepcopy(model)
    sampler = FastSampler(changed, FastOptions())
    inputs = make_inputs(changed, [4])
    sampler.sample_actions(**inputs)
    with torch.no_grad():  # in place, as load_state_dict or an optimizer step would
        changed.model.dit.layers[0].mlp.up_proj.weight.mul_(1.5)
        changed.embed_action_time.action_time_mlp_in.weight.add_(0.1)
    assert _diff(sampler.sample_actions(**inputs), changed.sample_actions(**inputs)) < TOLERANCE


def test_bfloat16_error_is_no_larger_than_stocks(model) -> None:
    inputs = make_inputs(model, [3, 5])
    reference = model.sample_actions(**inputs)
    low = copy.deepcopy(model)
    sampler = FastSampler(low, FastOptions(dtype="bfloat16"))  # casts the weights in place
    assert low.action_out_proj.weight.dtype == torch.bfloat16
    low_inputs = {k: v.bfloat16() if v.is_floating_point() else v for k, v in inputs.items()}
    stock_error = _diff(low.sample_actions(**low_inputs), reference)
    our_error = _diff(sampler.sample_actions(**low_inputs), reference)
    assert our_error <= stock_error * 1.05


def test_stock_state_token_keys_do_not_change_between_steps(model) -> None:
    """The premise of cache_state_kv, checked on stock itself: the state row's keys."""
    state_keys: list[torch.Tensor] = []
    layer = model.model.dit.layers[-1].self_attn
    hook = layer.k_proj.register_forward_hook(lambda m, i, out: state_keys.append(out[:, 0]))
    try:
        model.sample_actions(**make_inputs(model, [3]))
    finally:
        hook.remove()
    assert len(state_keys) == model.config.num_inference_steps
    assert all(torch.equal(keys, state_keys[0]) for keys in state_keys)


def test_options_are_checked_and_chosen_per_device() -> None:
    with pytest.raises(ValueError, match="dtype"):
        FastOptions(dtype="fp8")
    gpu, cpu = default_options("cuda"), default_options("cpu")
    assert gpu.cuda_graphs and gpu.dtype == "bfloat16" and not gpu.trim_padding
    assert not cpu.cuda_graphs and cpu.dtype is None


class _ReplayByRerun:
    """Stands in for a CUDA graph on CPU: 'replay' reruns the captured function, which reads
    the same static tensors a real graph would."""

    captures = 0

    def __init__(self, run):
        type(self).captures += 1
        self.run = run
        run()

    def __call__(self):
        return self.run().clone()


def test_graph_replay_refreshes_its_static_inputs(model, monkeypatch) -> None:
    monkeypatch.setattr(sampler_module, "CapturedChunk", _ReplayByRerun)
    monkeypatch.setattr(FastSampler, "_graphs_enabled", lambda self, device: True)
    _ReplayByRerun.captures = 0
    sampler = FastSampler(model, FastOptions(cuda_graphs=True, trim_padding=False))
    for lengths, scale in [([3], 1.0), ([5], 0.5), ([2], 2.0)]:
        inputs = make_inputs(model, lengths)
        inputs["noise"] = inputs["noise"] * scale
        inputs["pixel_values"] = inputs["pixel_values"] * scale
        assert _diff(sampler.sample_actions(**inputs), model.sample_actions(**inputs)) < TOLERANCE
    assert _ReplayByRerun.captures == 1  # same shapes: captured once, replayed after
    sampler.sample_actions(**make_inputs(model, [3, 4]))  # a new batch size: a new capture
    assert _ReplayByRerun.captures == 2
