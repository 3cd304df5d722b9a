"""`main.py bench --policy`: the report's numbers and its JSON line (tiny preset, one round)."""

from __future__ import annotations

import argparse
import json

import pytest

from pi0_core import bench
from pi0_core.presets import get_preset

KEYS = {"stock_ms", "ours_ms", "speedup", "max_abs_diff", "peak_mem_mb"}


def _args(**changes) -> argparse.Namespace:
    values = {"preset": "tiny", "device": "cpu", "cameras": 1, "json": True, "seconds": None}
    return argparse.Namespace(**(values | {"train_step": False} | changes))


def test_case_has_the_preset_layout() -> None:
    case = bench.make_case("tiny", "cpu", cameras=2, batch=3)
    inputs, size = case.inputs, get_preset("tiny").image_size
    assert inputs["pixel_values"].shape == (3, 2, 3, size, size)
    assert inputs["input_ids"].shape[0] == 3 and inputs["noise"].shape == (3, 50, 32)
    assert 0 < inputs["attention_mask"].sum(1)[0] < inputs["input_ids"].shape[1]  # padded


def test_policy_bench_prints_one_json_object_last(monkeypatch, capsys) -> None:
    monkeypatch.setattr(bench, "_rounds", lambda args, preset, device: (0, 2))
    assert bench.run_bench(_args()) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result.keys() >= KEYS
    assert result["rounds"] == 2 and result["max_abs_diff"] < 1e-4
    assert result["speedup"] == pytest.approx(result["stock_ms"] / result["ours_ms"], rel=0.01)
    assert any(line.startswith("stock") for line in lines)


def test_train_step_bench_reports_step_time(capsys) -> None:
    result = bench.bench_train_step(_args(train_step=True), batch=2)
    assert result["train_step_ms"] > 0 and result["batch"] == 2


def test_percentile_is_nearest_rank() -> None:
    assert bench.percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.9) == 5.0
    assert bench.percentile([1.0, 2.0, 3.0], 0.5) == 2.0


def test_bad_camera_count_is_refused() -> None:
    with pytest.raises(ValueError, match="cameras"):
        bench.run_bench(_args(cameras=0))


def test_policy_bench_times_the_checkpoint_it_is_given(tmp_path, monkeypatch, capsys) -> None:
    import torch

    from app.runtime.untrained import untrained_tiny_policy

    saved = untrained_tiny_policy(cameras=("cam_high",))
    saved.save(tmp_path / "ckpt")
    case, _ = bench.checkpoint_case(str(tmp_path / "ckpt"), "cpu")
    for (name, timed), (_, original) in zip(
        case.model.state_dict().items(), saved.model.state_dict().items(), strict=True
    ):
        if name.endswith("dit.embed_tokens.weight"):
            continue  # the expert's token table is never used, so never loaded (strict loading)
        assert torch.equal(timed, original), name  # the checkpoint's weights, not random ones
    monkeypatch.setattr(bench, "_rounds", lambda args, preset, device: (0, 1))
    assert bench.run_bench(_args(checkpoint=str(tmp_path / "ckpt"))) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["weights"] == str(tmp_path / "ckpt") and result["cameras"] == 1
    assert result["policy_infer_ms"] > 0 and result["max_abs_diff"] < 1e-4


def test_a_missing_checkpoint_is_one_error() -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint directory at /nowhere"):
        bench.run_bench(_args(checkpoint="/nowhere"))
