"""Strict loading: a checkpoint whose tensors do not match the network is refused, by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from app.cli.main import main
from pi0_core.layouts.keys import CheckpointMismatchError
from pi0_core.policy import Policy

WEIGHTS = "model.safetensors"
STATE_PROJ = "state_proj.weight"


def _rewrite(directory: Path, change) -> None:
    tensors = load_file(str(directory / WEIGHTS))
    change(tensors)
    save_file(tensors, str(directory / WEIGHTS), metadata={"format": "pt"})


@pytest.fixture
def saved(policy: Policy, tmp_path: Path) -> Path:
    return policy.save(tmp_path / "ckpt")


def test_every_tensor_renamed_is_refused(saved: Path) -> None:
    _rewrite(saved, lambda t: t.update({f"renamed.{k}": t.pop(k) for k in list(t)}))
    with pytest.raises(CheckpointMismatchError, match=r"missing: .* unexpected: renamed\.") as info:
        Policy.load(saved, device="cpu")
    assert "\n" not in str(info.value)
    assert " problems): " in str(info.value)


def test_missing_tensor_is_named(saved: Path) -> None:
    _rewrite(saved, lambda t: t.pop(STATE_PROJ))
    with pytest.raises(
        CheckpointMismatchError, match="1 missing: embed_action_time.state_proj.weight"
    ):
        Policy.load(saved, device="cpu")


def test_unexpected_tensor_is_named(saved: Path) -> None:
    _rewrite(saved, lambda t: t.update({"action_out_proj.extra": torch.zeros(2)}))
    with pytest.raises(CheckpointMismatchError, match="1 unexpected: action_out_proj.extra"):
        Policy.load(saved, device="cpu")


def test_wrong_shape_is_named(saved: Path) -> None:
    _rewrite(saved, lambda t: t.update({STATE_PROJ: torch.zeros(3, 3)}))
    with pytest.raises(CheckpointMismatchError, match=rf"1 wrong shape: {STATE_PROJ} \[3, 3\]"):
        Policy.load(saved, device="cpu")


def test_unused_expert_embedding_may_be_absent_and_is_not_kept(saved: Path) -> None:
    _rewrite(saved, lambda t: t.pop("paligemma_with_expert.gemma_expert.lm_head.weight", None))
    loaded = Policy.load(saved, device="cpu")
    assert (
        loaded.model.model.dit.embed_tokens.weight.numel()
        == loaded.model.config.dit_config.hidden_size
    )


def test_cli_shows_a_mismatch_as_one_line(saved: Path, capsys) -> None:
    _rewrite(saved, lambda t: t.pop(STATE_PROJ))
    code = main(["eval", "--task", "pick_color", "--episodes", "1", "--checkpoint", str(saved)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: the weights do not match the π0 network (1 problem)")
    assert "Traceback" not in "\n".join(err)


def test_bfloat16_load_builds_every_weight_in_bfloat16(saved: Path) -> None:
    loaded = Policy.load(saved, device="cpu", dtype=torch.bfloat16)
    assert {p.dtype for p in loaded.model.parameters()} == {torch.bfloat16}
    reference = Policy.load(saved, device="cpu")
    for name, value in loaded.model.state_dict().items():
        if name != "model.dit.embed_tokens.weight":
            expected = reference.model.state_dict()[name].to(torch.bfloat16)
            assert torch.equal(value, expected), name
