"""torch.compile on the fast path: same actions, and a clean fall back when it cannot run."""

from __future__ import annotations

import logging

import pytest
import torch

from pi0_core.fast import FastOptions, FastSampler
from pi0_core.fast.compile import maybe_compile
from tests.pi0_core.test_fast_equality import TOLERANCE, make_inputs, make_model


@pytest.fixture(scope="module")
def model():
    return make_model(seed=2)


def _diff_to_stock(model, sampler: FastSampler, inputs: dict) -> float:
    return (sampler.sample_actions(**inputs) - model.sample_actions(**inputs)).abs().max().item()


def test_traced_sampler_matches_stock(model) -> None:
    # Dynamo's graphs (buffer writes included) without code generation: quick.
    torch._dynamo.reset()
    sampler = FastSampler(model, FastOptions(compile=True, compile_backend="aot_eager"))
    inputs = make_inputs(model, [3])
    assert _diff_to_stock(model, sampler, inputs) < TOLERANCE
    assert all(sampler.compiled().values())  # it really ran compiled, not the fall back


@pytest.mark.slow
def test_inductor_compiled_step_matches_stock(model) -> None:
    # Generated kernels for the denoising step only, to keep the compile time in bounds.
    torch._dynamo.reset()
    sampler = FastSampler(model, FastOptions(compile=True, compile_prefix=False))
    inputs = make_inputs(model, [3])
    assert _diff_to_stock(model, sampler, inputs) < TOLERANCE
    assert sampler.compiled()["pi0 denoising step (fused)"]


def test_missing_torch_compile_falls_back_with_a_warning(model, monkeypatch, caplog) -> None:
    monkeypatch.delattr(torch, "compile")
    with caplog.at_level(logging.WARNING, logger="pi0_core.fast.compile"):
        sampler = FastSampler(model, FastOptions(compile=True))
    assert "not available" in caplog.text
    assert not any(sampler.compiled().values())
    assert _diff_to_stock(model, sampler, make_inputs(model, [4])) < TOLERANCE


def test_failing_compilation_falls_back_with_a_warning(model, monkeypatch, caplog) -> None:
    def broken_compile(function, **kwargs):
        def compiled(*args, **call_kwargs):
            raise RuntimeError("no C++ compiler found")

        return compiled

    monkeypatch.setattr(torch, "compile", broken_compile)
    sampler = FastSampler(model, FastOptions(compile=True))
    with caplog.at_level(logging.WARNING, logger="pi0_core.fast.compile"):
        diff = _diff_to_stock(model, sampler, make_inputs(model, [4]))
    assert diff < TOLERANCE
    assert "no C++ compiler found" in caplog.text
    ran = ["pi0 prefix", "pi0 state token", "pi0 denoising step (fused)"]
    assert not any(sampler.compiled()[name] for name in ran)


def test_compile_refused_at_wrap_time_falls_back(monkeypatch, caplog) -> None:
    def refusing_compile(function, **kwargs):
        raise RuntimeError("Python 3.14 is not supported")

    monkeypatch.setattr(torch, "compile", refusing_compile)
    with caplog.at_level(logging.WARNING, logger="pi0_core.fast.compile"):
        wrapped = maybe_compile(lambda x: x + 1, True, "adder")
    assert wrapped(1) == 2
    assert not wrapped.is_compiled
    assert "not supported" in caplog.text
