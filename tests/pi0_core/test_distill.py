"""`train --prompt-distill`: the student acts on a new phrasing as the checkpoint on its own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.data import collate_training, network_transform
from pi0_core.train.distill import STUDENT_KEYS, distillation_loss, make_teacher, student_inputs
from pi0_core.train.loop import resumed_config, train
from pi0_core.train.metrics import read_metrics
from pi0_core.transforms import model_inputs
from recordings.dataset import EpisodeDataset
from tests.pi0_core.conftest import make_policy, train_config
from tests.pi0_core.episodes import write_folder

KNOWN = "pick up the red cube"  # a pick_color prompt: the grammar re-phrases it


def _batch(policy: Policy, data: Path, rephrase) -> dict[str, torch.Tensor]:

    dataset = EpisodeDataset(sorted(data.glob("*.hdf5")), chunk_size=policy.spec.chunk_size)
    transform = network_transform(
        policy.spec,
        policy.tokenizer,
        policy.model,
        student_rephrase=rephrase,
    )
    return collate_training([transform(dataset[i]) for i in range(4)])


def _ids(policy: Policy, text: str) -> list[int]:
    return policy.tokenizer.encode(text)


def _text_of(ids: torch.Tensor, policy: Policy, prompt: str) -> bool:
    """Whether the prompt's tokens appear in the row of ids."""
    wanted, row = _ids(policy, prompt), ids.tolist()
    return any(row[i : i + len(wanted)] == wanted for i in range(len(row) - len(wanted) + 1))


def test_the_samples_keep_the_recorded_prompt_and_carry_the_new_one_beside(tmp_path) -> None:
    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt=KNOWN)
    batch = _batch(policy, data, lambda prompt: "lift the red box")
    assert set(STUDENT_KEYS) <= set(batch)
    for row in range(4):
        assert _text_of(batch["input_ids"][row], policy, KNOWN)
        assert _text_of(batch["student_input_ids"][row], policy, "lift the red box")
        assert not _text_of(batch["student_input_ids"][row], policy, KNOWN)
    # the attention covers each prompt's own tokens
    gap = len(_ids(policy, "lift the red box")) - len(_ids(policy, KNOWN))
    diff = batch["student_attention_mask"].sum(1) - batch["attention_mask"].sum(1)
    assert diff.tolist() == [gap] * 4


def test_the_loss_is_zero_for_the_same_prompt_and_reaches_only_the_student(tmp_path) -> None:
    policy = make_policy()
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt=KNOWN)
    student, teacher = policy.model.train(), make_teacher(policy.model)
    config = student.config

    def loss_for(rephrase) -> torch.Tensor:
        batch = _batch(policy, data, rephrase)
        inputs = model_inputs(batch)
        return distillation_loss(
            student,
            teacher,
            inputs,
            student_inputs(inputs, batch),
            batch["actions"],
            batch["action_mask"],
            policy.spec.action_dim,
            config,
            torch.Generator().manual_seed(0),
        )[0]

    assert loss_for(lambda prompt: prompt).item() < 1e-12  # the student is the teacher
    loss = loss_for(lambda prompt: "grab the red one")
    assert loss.item() > 0
    loss.backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in student.parameters())
    assert all(p.grad is None and not p.requires_grad for p in teacher.parameters())


def test_a_prompt_the_grammar_keeps_gives_nothing_to_learn(tmp_path, micro_init) -> None:
    # "wave" is no task of the grammar: the student sees what the teacher sees, so the loss
    # and its gradient are zero at every step (without weight decay nothing moves the weights)
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt="wave")
    out = tmp_path / "out"
    config = train_config(data, out, micro_init, steps=4, prompt_augment=True, weight_decay=0.0)
    train(replace(config, prompt_distill=True))
    assert [r["loss"] for r in read_metrics(out) if "loss" in r] == [0.0] * 4
    start = Policy.load(micro_init, device="cpu").model.state_dict()
    trained = Policy.load(out / "final", device="cpu").model.state_dict()
    assert all(torch.equal(start[name], value) for name, value in trained.items())


def test_new_phrasings_are_taught_and_the_run_says_so(tmp_path, micro_init) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, prompt=KNOWN)
    out = tmp_path / "out"
    config = train_config(data, out, micro_init, steps=3, prompt_augment=True, prompt_distill=True)
    train(config)
    losses = [r["loss"] for r in read_metrics(out) if "loss" in r]
    assert losses[0] > 0  # the re-phrased prompt reached the student, the recorded the teacher
    assert "`--prompt-distill`" in Policy.load(out / "final", device="cpu").model_card
    assert resumed_config(out).prompt_distill  # a resumed run distills too


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"preset": "tiny", "prompt_augment": True}, "--prompt-distill needs --init"),
        ({"init": "ckpt"}, "--prompt-distill needs --prompt-augment"),
        (
            {"init": "ckpt", "prompt_augment": True, "fsdp": True},
            "--prompt-distill is not supported with --fsdp",
        ),
    ],
)
def test_bad_combinations_are_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", prompt_distill=True, **overrides)


def test_the_command_line_refuses_distilling_without_augmenting(tmp_path, capsys) -> None:
    from app.cli.main import main

    argv = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--init", "x"]
    assert main([*argv, "--prompt-distill"]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: --prompt-distill needs --prompt-augment: it teaches the grammar's phrasings"
    )


# --rehearse-distill: the rehearsed rows of a batch are taught by the starting checkpoint


def _flow_and_distilled(tmp_path, taught_from: int, same: bool = False):
    from pi0_core.train.loss import flow_matching_loss

    policy = make_policy()
    data = tmp_path / "data"
    if not data.exists():
        write_folder(data, episodes=1, steps=12, prompt=KNOWN)
    teacher = make_teacher(policy.model)
    if not same:  # a teacher that differs from the student
        with torch.no_grad():
            for param in teacher.parameters():
                param.add_(0.05 * torch.randn_like(param))
    batch = _batch(policy, data, None)
    inputs, student = model_inputs(batch), policy.model.eval()
    args = (batch["actions"], batch["action_mask"], policy.spec.action_dim, student.config)
    flow = flow_matching_loss(student, inputs, *args, torch.Generator().manual_seed(3))
    distilled = distillation_loss(
        student, teacher, inputs, None, *args, torch.Generator().manual_seed(3), taught_from
    )
    return flow, distilled


def test_with_no_taught_row_the_loss_is_the_flow_loss_exactly(tmp_path) -> None:
    flow, (loss, gap) = _flow_and_distilled(tmp_path, taught_from=4)
    assert torch.equal(loss, flow) and gap is None


def test_taught_rows_follow_the_teacher_and_the_others_the_demonstration(tmp_path) -> None:
    # the teacher is the student: taught rows have nothing to learn
    flow, (loss, gap) = _flow_and_distilled(tmp_path, taught_from=0, same=True)
    assert loss.item() < 1e-12 and gap.item() < 1e-12 and flow.item() > 0
    _, (half, half_gap) = _flow_and_distilled(tmp_path, taught_from=2, same=True)
    assert 0 < half.item() < flow.item() * 1.5 and half_gap.item() < 1e-12
    # a teacher that differs: its velocity, not the demonstration's, is the rows' target
    _, (_, gap) = _flow_and_distilled(tmp_path, taught_from=2)
    assert gap.item() > 0 and abs(gap.item() - half.item()) > 1e-6


def test_a_rehearsed_run_logs_its_drift_from_the_checkpoint(tmp_path, micro_init) -> None:
    new = write_folder(tmp_path / "new", episodes=1, steps=12, prompt=KNOWN)
    old = write_folder(tmp_path / "old", episodes=1, steps=12, prompt="wave")
    out = tmp_path / "out"
    config = train_config(
        new, out, micro_init, steps=3, rehearse=(f"{old}:0.5",), rehearse_distill=True
    )
    train(config)
    gaps = [r["teacher_gap"] for r in read_metrics(out) if "loss" in r]
    assert gaps[0] < 1e-12  # the first step's student is the checkpoint itself
    assert gaps[-1] > 0  # the new rows moved it; the rehearsed rows measure how far
    card = Policy.load(out / "final", device="cpu").model_card
    assert "`--rehearse-distill`" in card
    assert resumed_config(out).rehearse_distill


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"preset": "tiny", "rehearse": ("d:0.5",)}, "--rehearse-distill needs --init"),
        ({"init": "ckpt"}, "--rehearse-distill needs rehearsed data"),
        (
            {"init": "ckpt", "rehearse": ("d:0.5",), "fsdp": True},
            "--rehearse-distill is not supported with --fsdp",
        ),
    ],
)
def test_rehearse_distill_refuses_what_it_cannot_do(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrainConfig(data=("d",), out="o", rehearse_distill=True, **overrides)


def test_the_command_line_refuses_distilling_nothing_rehearsed(tmp_path, capsys) -> None:
    from app.cli.main import main

    argv = ["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--init", "x"]
    assert main([*argv, "--rehearse-distill", "--no-rehearse"]) == 2
    assert (
        capsys.readouterr().err.strip().startswith("error: --rehearse-distill needs rehearsed data")
    )
