"""The train command line and the run folder as the Fine-tune tab sees them."""

import pytest

from app.ui.training import TrainingConfig, list_checkpoints, tail_lines


def test_arguments_from_a_preset_with_lora_and_eval():
    config = TrainingConfig(
        data=("a", "b"), out="run", preset="tiny", steps=10, batch_size=4, lr=3e-4,
        lora=True, eval_task="pick_color", eval_every=5, save_every=2,
    )  # fmt: skip
    assert config.arguments(resume=True) == [
        "train", "--data", "a,b", "--out", "run", "--preset", "tiny", "--steps", "10",
        "--batch-size", "4", "--lr", "0.0003", "--lora", "--eval-task", "pick_color",
        "--eval-every", "5", "--save-every", "2", "--resume",
    ]  # fmt: skip


def test_auxiliary_losses_are_flags_when_set_and_refused_when_negative():
    config = TrainingConfig(data=("a",), out="run", object_loss=1.0, named_loss=0.25)
    arguments = config.arguments()
    assert arguments[arguments.index("--object-loss") :][:4] == [
        "--object-loss", "1", "--named-loss", "0.25",
    ]  # fmt: skip
    for weights in ({"object_loss": -1.0}, {"named_loss": float("nan")}, {"named_loss": 500.0}):
        with pytest.raises(ValueError, match="loss weight must be 0 \\(off\\) or positive"):
            TrainingConfig(data=("a",), out="run", **weights)


def test_keeping_the_expert_is_a_freeze_flag_and_needs_a_checkpoint():
    config = TrainingConfig(data=("a",), out="run", init="ckpt", preset=None, freeze=("expert",))
    arguments = config.arguments()
    assert arguments[arguments.index("--freeze") :][:2] == ["--freeze", "expert"]
    assert "--freeze" not in TrainingConfig(data=("a",), out="run").arguments()
    with pytest.raises(ValueError, match="only a checkpoint has trained parts to keep"):
        TrainingConfig(data=("a",), out="run", freeze=("expert",))


def test_starting_point_must_be_one_of_checkpoint_or_preset():
    with pytest.raises(ValueError, match="either a checkpoint or a preset"):
        TrainingConfig(data=("a",), out="run", init="ckpt", preset="tiny")
    with pytest.raises(ValueError, match="dataset"):
        TrainingConfig(data=(), out="run")


def test_checkpoints_in_step_order_with_final_last(tmp_path):
    for name in ("step_000010", "step_000002", "junk"):
        (tmp_path / "checkpoints" / name).mkdir(parents=True)
    (tmp_path / "final").mkdir()
    entries = list_checkpoints(tmp_path)
    assert [(e.name, e.step) for e in entries] == [
        ("step_000002", 2),
        ("step_000010", 10),
        ("final", None),
    ]


def test_tail_lines(tmp_path):
    log = tmp_path / "train.log"
    log.write_text("\n".join(f"line {i}" for i in range(50)))
    assert tail_lines(log, 3) == ["line 47", "line 48", "line 49"]
    assert tail_lines(tmp_path / "missing.log") == []


def test_trainer_output_is_split_as_a_terminal_shows_it():
    from app.ui.training_run import _log_lines

    line = "\rtrain: 10%| 1/3\rtrain: 33%| 10/30 loss=0.9]INFO pi0_core.train.loop: step 10: saved"
    assert _log_lines(line) == [
        "train: 33%| 10/30 loss=0.9]",
        "INFO pi0_core.train.loop: step 10: saved",
    ]


def test_the_loss_weight_limit_is_the_trainers():
    from app.ui.training import MAX_LOSS_WEIGHT
    from pi0_core.train.config import MAX_OBJECT_LOSS

    assert MAX_LOSS_WEIGHT == MAX_OBJECT_LOSS


def test_a_run_checkpoint_is_named_with_its_run():
    from pathlib import Path

    from app.ui.backend import policy_name

    assert policy_name(Path("runs/ft-1/final"), "final") == "ft-1/final"
    assert policy_name(Path("runs/ft-1/checkpoints/step_300"), "step_300") == "ft-1/step_300"
    assert policy_name(Path("pi0_core/checkpoints/tiny_aloha_sim"), "tiny") == "tiny"


def test_from_a_checkpoint_the_arguments_say_stats_and_rehearsal():
    rehearsed = TrainingConfig(data=("a",), out="run", init="ckpt", preset=None, rehearse=0.5)
    arguments = rehearsed.arguments()
    assert arguments[arguments.index("--stats") :][:4] == [
        "--stats",
        "init",
        "--rehearse",
        "init:0.5",
    ]
    assert "--lr" not in arguments  # None: the trainer's default
    plain = TrainingConfig(data=("a",), out="run", init="ckpt", preset=None, stats="merge")
    assert plain.arguments()[-3:] == ["--stats", "merge", "--no-rehearse"]


def test_rehearsed_share_must_be_a_fraction():
    with pytest.raises(ValueError, match="between 0 and 1"):
        TrainingConfig(data=("a",), out="run", init="ckpt", preset=None, rehearse=1.0)


def test_rehearsing_as_the_policy_acts_needs_a_checkpoint_and_rehearsal():
    config = TrainingConfig(
        data=("a",), out="run", init="ckpt", preset=None, rehearse=0.5, rehearse_distill=True
    )
    assert config.arguments()[-1] == "--rehearse-distill"
    with pytest.raises(ValueError, match="needs a checkpoint and rehearsal"):
        TrainingConfig(data=("a",), out="run", init="ckpt", preset=None, rehearse_distill=True)


def test_teaching_as_a_known_colour_is_checked_before_a_run():
    config = TrainingConfig(
        data=("a",), out="run", init="ckpt", preset=None, teach_as="yellow=blue", teach_colour_map=5
    )
    arguments = config.arguments()
    assert arguments[arguments.index("--teach-colour-map") + 1] == "5"
    with pytest.raises(ValueError, match="needs a checkpoint"):
        TrainingConfig(data=("a",), out="run", teach_as="yellow=blue")
    with pytest.raises(ValueError, match="colour map's steps"):
        TrainingConfig(
            data=("a",), out="run", init="ckpt", preset=None, teach_as="yellow=blue",
            teach_colour_map=10**6,
        )  # fmt: skip
