"""`train --freeze`: the parts named keep the starting checkpoint's weights; the rest trains."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.freeze import PARTS, freeze, part_of
from pi0_core.train.loop import resumed_config, train
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.episodes import write_folder


def _changed_parts(start: dict, trained: dict) -> set[str | None]:
    return {
        part_of(name)
        for name, value in trained.items()
        if not np.allclose(value.numpy(), start[name].numpy(), atol=0, rtol=0)
    }


def test_every_weight_of_the_network_belongs_to_one_part() -> None:
    model = make_policy().model
    names = [name for name, _ in model.named_parameters()]
    assert {part_of(name) for name in names} == set(PARTS)
    frozen = freeze(model, ("expert",))
    trainable = {part_of(n) for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {"vision", "language"} and frozen["expert"] > 0


@pytest.mark.parametrize("parts", [("expert",), ("vision", "language")])
def test_a_frozen_part_keeps_the_checkpoints_weights_and_the_rest_trains(
    tmp_path: Path, micro_init: Path, parts: tuple[str, ...]
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    out = tmp_path / "out"
    train(train_config(data, out, micro_init, steps=4, freeze=parts))
    start = Policy.load(micro_init, device="cpu").model.state_dict()
    trained = Policy.load(out / "final", device="cpu")
    changed = _changed_parts(start, trained.model.state_dict())
    assert changed == set(PARTS) - set(parts)
    assert f"frozen: {', '.join(parts)}" in trained.model_card
    assert resumed_config(out).freeze == parts  # a resumed run freezes the same parts


def test_freeze_reaches_training_from_the_command_line(tmp_path: Path, micro_init: Path) -> None:
    from app.cli.main import main

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    out = tmp_path / "out"
    argv = ["train", "--data", str(data), "--out", str(out), "--init", str(micro_init)]
    options = ["--steps", "2", "--batch-size", "4", "--threads", "1", "--num-workers", "0"]
    assert main([*argv, *options, "--stats", "data", "--freeze", "vision, expert"]) == 0
    assert resumed_config(out).freeze == ("vision", "expert")
    assert "frozen as in --init: vision" in (out / "train.log").read_text()


def test_state_dropout_beside_a_frozen_expert_is_warned_about(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    for parts, dropout in ((("expert",), 0.5), (("vision",), 0.5), (("expert",), 0.0)):
        out = tmp_path / f"out_{parts[0]}_{dropout}"
        train(train_config(data, out, micro_init, steps=1, freeze=parts, state_dropout=dropout))
        warned = (
            "the expert cannot learn to act without the state" in (out / "train.log").read_text()
        )
        assert warned == (parts == ("expert",) and dropout > 0)


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (("motors",), "unknown part 'motors'; choose from vision, language, expert"),
        (("expert", "expert"), "names a part twice"),
        (("vision", "language", "expert"), "nothing would train"),
    ],
)
def test_bad_parts_are_refused(parts: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", init="i", freeze=parts)


def test_a_part_this_network_lacks_is_refused_and_nothing_is_frozen_silently() -> None:
    import torch

    other_layout = torch.nn.ModuleDict({"backbone": torch.nn.Linear(2, 2)})
    with pytest.raises(ValueError, match="--freeze vision: this network has no weights of that"):
        freeze(other_layout, ("vision",))


def test_freezing_a_fresh_network_is_refused() -> None:
    with pytest.raises(ValueError, match="--freeze needs --init"):
        TrainConfig(data=("d",), out="o", preset="tiny", freeze=("expert",))


def test_freezing_with_fsdp_is_refused() -> None:
    with pytest.raises(ValueError, match="--freeze is not supported with --fsdp"):
        TrainConfig(data=("d",), out="o", init="i", freeze=("expert",), fsdp=True)


def test_a_bad_part_on_the_command_line_is_one_line_before_anything_is_written(
    tmp_path: Path, micro_init: Path, capsys
) -> None:
    from app.cli.main import main

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    out = tmp_path / "out"
    argv = ["train", "--data", str(data), "--out", str(out), "--init", str(micro_init)]
    assert main([*argv, "--freeze", "arms"]) != 0
    assert "unknown part 'arms'" in capsys.readouterr().err
    assert not out.exists()
