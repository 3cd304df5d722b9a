"""`train --teach-vision`: the vision tower fitted alone to the checkpoint's view first."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from pi0_core.model import tokens_per_image
from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.distill import make_teacher
from pi0_core.train.freeze import part_of
from pi0_core.train.loop import resumed_config, train
from pi0_core.train.metrics import read_metrics
from pi0_core.train.teach_as import TeachAs
from pi0_core.train.teach_vision import (
    FOCUS,
    TEACH_VISION,
    feature_gap,
    vision_batch_loss,
    vision_parameters,
)
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.episodes import write_folder
from tests.pi0_core.test_teach_as import YELLOW, _batch

YELLOW_AS_BLUE = TeachAs("yellow", YELLOW, "blue", (0.1, 0.2, 0.9))
YELLOW_BAR = tuple(round(255 * c) for c in YELLOW)


def yellow_data(tmp_path: Path, bar: bool = True) -> Path:
    """One short episode that names yellow, its top camera's bar yellow (else white)."""
    colour = YELLOW_BAR if bar else (255, 255, 255)
    return write_folder(
        tmp_path / "data", episodes=1, steps=12, prompt="lift the yellow", bar=colour
    )


def test_the_gap_is_relative_to_the_teachers_size_and_counts_only_visible_tokens() -> None:
    teacher = torch.full((1, 4, 2), 2.0)  # mean square 4
    student = teacher.clone()
    student[0, 0] = 4.0  # squared error 4 per width -> 1 relative
    student[0, 3] = 100.0  # a hidden token: not counted
    visible = torch.tensor([[True, True, True, False]])
    loss, focused = feature_gap(student, teacher, visible)
    assert loss.item() == pytest.approx(1.0 / 3) and focused is None
    focus = torch.tensor([[True, False, False, True]])  # the hidden one stays out of it too
    loss, focused = feature_gap(student, teacher, visible, focus)
    assert focused.item() == pytest.approx(1.0)
    assert loss.item() == pytest.approx(1.0 / 3 + 1.0)  # the repainted tokens count again
    nothing = torch.zeros_like(focus)
    assert feature_gap(student, teacher, visible, nothing)[1].item() == 0.0


def test_only_the_repainted_view_asks_the_tower_for_something_else(tmp_path) -> None:
    policy = make_policy()
    student, teacher = policy.model.eval(), make_teacher(policy.model)
    tokens = len(policy.spec.cameras) * tokens_per_image(policy.model)
    patch = student.config.vlm_config.vision_config.patch_size
    data = yellow_data(tmp_path, bar=False)
    same, focus = vision_batch_loss(
        student, teacher, _batch(policy, data, YELLOW_AS_BLUE, colour=(0.5, 0.5, 0.5)), tokens,
        patch, torch.device("cpu"),
    )  # fmt: skip
    assert same.item() == 0.0 and focus.item() == 0.0  # nothing repainted: nothing to learn
    gap, focus = vision_batch_loss(
        student, teacher, _batch(policy, data, YELLOW_AS_BLUE), tokens, patch,
        torch.device("cpu"),
    )  # fmt: skip
    assert gap.item() > 0 and focus.item() > 0
    gap.backward()
    grads = {part_of(n) for n, p in student.named_parameters() if p.grad is not None}
    assert grads == {"vision"}  # the language model and the expert are not in the step


def _weights(policy: Policy, part: str) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in policy.model.named_parameters() if part_of(n) == part}


def _same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[n], b[n]) for n in a)


def test_a_run_teaches_the_tower_first_then_trains_the_rest_with_it_kept(
    tmp_path, micro_init
) -> None:
    data = yellow_data(tmp_path)
    out = tmp_path / "out"
    config = train_config(
        data,
        out,
        micro_init,
        steps=2,
        teach_as=YELLOW_AS_BLUE.text,
        teach_vision=4,
        teach_vision_lr=1e-2,
        freeze=("vision",),
        log_every=2,
    )
    train(config)
    records = [r for r in read_metrics(out) if TEACH_VISION in r]
    assert [r["teach_vision_step"] for r in records] == [2, 4]
    assert records[0][TEACH_VISION] > 0 and records[0][FOCUS] > 0  # the bar was repainted
    start = Policy.load(micro_init, device="cpu")
    taught = Policy.load(out / "checkpoints" / "step_000000", device="cpu")
    final = Policy.load(out / "final", device="cpu")
    assert not _same(_weights(start, "vision"), _weights(taught, "vision"))
    for part in ("language", "expert"):  # the stage trains the tower alone
        assert _same(_weights(start, part), _weights(taught, part))
    assert _same(_weights(taught, "vision"), _weights(final, "vision"))  # frozen after it
    assert not _same(_weights(taught, "language"), _weights(final, "language"))
    assert "`--teach-vision`" in final.model_card
    assert resumed_config(out).teach_vision == 4


def test_the_taught_tower_is_saved_for_resume_though_frozen(tmp_path, micro_init) -> None:
    data = yellow_data(tmp_path)
    out = tmp_path / "out"
    config = train_config(
        data, out, micro_init, steps=2, teach_as=YELLOW_AS_BLUE.text, teach_vision=2,
        teach_vision_lr=1e-2, freeze=("vision",), save_every=1,
    )  # fmt: skip
    train(config, stop_at=1)
    train(resumed_config(out), resume_run=True)  # the stage does not run again
    steps = [r["teach_vision_step"] for r in read_metrics(out) if TEACH_VISION in r]
    assert steps == [1, 2]  # logged once, by the first run
    taught = Policy.load(out / "checkpoints" / "step_000000", device="cpu")
    final = Policy.load(out / "final", device="cpu")
    assert _same(_weights(taught, "vision"), _weights(final, "vision"))


def test_vision_parameters_are_the_tower_and_projector() -> None:
    named = vision_parameters(make_policy().model)
    assert named and all(part_of(name) == "vision" for name in named)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"teach_vision": 5}, "--teach-vision needs --teach-as"),
        ({"teach_vision": -1, "teach_as": YELLOW_AS_BLUE.text}, "--teach-vision must be in"),
        ({"teach_vision": 10**6, "teach_as": YELLOW_AS_BLUE.text}, "--teach-vision must be in"),
        ({"teach_vision_lr": 0.5}, "--teach-vision-lr must be in"),
    ],
)
def test_out_of_range_vision_options_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", init="ckpt", **overrides)


def test_without_the_tower_frozen_the_average_starts_from_the_taught_tower(
    tmp_path, micro_init
) -> None:
    data = yellow_data(tmp_path)
    out = tmp_path / "out"
    config = train_config(
        data, out, micro_init, steps=1, teach_as=YELLOW_AS_BLUE.text, teach_vision=3,
        teach_vision_lr=1e-2,
    )  # fmt: skip
    train(config)
    start = Policy.load(micro_init, device="cpu")
    taught = Policy.load(out / "checkpoints" / "step_000000", device="cpu")
    assert not _same(_weights(start, "vision"), _weights(taught, "vision"))


@pytest.mark.parametrize("stage", ["teach_vision", "teach_colour_map"])
def test_the_stages_across_processes_are_refused_before_anything_is_written(
    tmp_path, micro_init, stage: str
) -> None:
    from pi0_core.train.distributed import Processes
    from pi0_core.train.loop import Run

    data = yellow_data(tmp_path, bar=False)
    out = tmp_path / "out"
    config = train_config(data, out, micro_init, teach_as=YELLOW_AS_BLUE.text, **{stage: 3})
    processes = Processes(rank=0, world=2, local_rank=0, device=torch.device("cpu"))
    option = "--" + stage.replace("_", "-")
    with pytest.raises(ValueError, match=f"{option} runs on one process"):
        Run(config, processes, False)
    assert not out.exists()
