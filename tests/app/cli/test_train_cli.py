"""`main.py train`: bad input is one line on stderr and exit code 2, before any training."""

from pathlib import Path

import pytest

from app.cli.main import main


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--preset", "tiny", "--batch-size", "0"],
            "error: --batch-size must be at least 1, got 0",
        ),
        (["--preset", "huge"], "error: unknown preset 'huge'; known presets: pi0, tiny"),
        (["--preset", "tiny", "--lr", "3"], "error: --lr 3.0 is out of range (0, 0.1]"),
        ([], "error: give exactly one of --preset NAME or --init CHECKPOINT"),
        (
            ["--preset", "tiny", "--rehearse", "old:0.6", "--rehearse", "older:0.5"],
            "error: --rehearse fractions add up to 1.1: they must leave the new data room",
        ),
        (
            ["--preset", "tiny", "--rehearse", "init"],
            "error: --rehearse init needs --init CHECKPOINT",
        ),
        (
            ["--preset", "tiny", "--rehearse-episodes", "5"],
            "error: --rehearse-episodes applies to `--rehearse init`, not used here",
        ),
        (
            ["--preset", "tiny", "--rehearse", "init", "--rehearse-episodes", "0"],
            "error: --rehearse-episodes must be in [1, 1000], got 0",
        ),
        (
            ["--preset", "tiny", "--prompt-keep", "0.3"],
            "error: --prompt-keep needs --prompt-augment (without it every prompt is kept)",
        ),
        (
            ["--preset", "tiny", "--prompt-augment", "--prompt-keep", "1"],
            "error: --prompt-keep must be in [0, 1), got 1.0",
        ),
    ],
)
def test_bad_options_give_one_line(tmp_path: Path, capsys, extra: list, message: str) -> None:
    code = main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "out"), *extra])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == message


def test_empty_data_folder_is_refused(tmp_path: Path, capsys) -> None:
    code = main(
        ["train", "--data", str(tmp_path), "--out", str(tmp_path / "o"), "--preset", "tiny"]
    )
    assert code == 2
    assert capsys.readouterr().err.strip() == f"error: no .hdf5 episodes in folder {tmp_path}"


def test_resume_without_a_saved_run_is_refused(tmp_path: Path, capsys) -> None:
    code = main(["train", "--out", str(tmp_path), "--resume"])
    assert code == 2
    assert "nothing to resume" in capsys.readouterr().err


def test_resume_continues_in_the_folder_given_even_when_copied(tmp_path: Path) -> None:
    import argparse

    from app.cli import train as train_cli
    from pi0_core.train.config import TrainConfig

    old, new = tmp_path / "old", tmp_path / "new"
    (new / "resume").mkdir(parents=True)
    saved = TrainConfig(data=("d",), out=str(old), preset="tiny", steps=10)
    (new / "resume" / "config.json").write_text(saved.to_json())
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    args = parser.parse_args(["--out", str(new), "--resume", "--steps", "20"])
    config = train_cli.build_config(args)
    assert (config.out, config.steps, config.preset) == (str(new), 20, "tiny")


def test_rehearse_episodes_help_names_the_default() -> None:
    import argparse

    from app.cli import train as train_cli
    from app.runtime.rehearsal import EPISODES_PER_TASK

    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    assert f"default {EPISODES_PER_TASK};" in " ".join(parser.format_help().split())


def test_prompt_keep_reaches_the_config_and_the_card(tmp_path: Path) -> None:
    import argparse

    from app.cli import train as train_cli
    from pi0_core.train.config import TrainConfig

    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    argv = ["--data", "d", "--out", str(tmp_path), "--preset", "tiny", "--prompt-augment"]
    args = parser.parse_args([*argv, "--prompt-keep", "0.25"])
    config = train_cli.build_config(args)
    assert (config.prompt_augment, config.prompt_keep) == (True, 0.25)
    assert TrainConfig.from_json(config.to_json()).prompt_keep == 0.25  # kept for --resume
    assert train_cli.build_config(parser.parse_args(argv)).prompt_keep == 0.0


def test_resume_says_which_given_settings_it_does_not_use(tmp_path: Path, capsys) -> None:
    import argparse

    from app.cli import train as train_cli
    from pi0_core.train.config import TrainConfig

    (tmp_path / "resume").mkdir()
    saved = TrainConfig(data=("d",), out=str(tmp_path), preset="tiny", steps=10, lr=1e-4, seed=3)
    (tmp_path / "resume" / "config.json").write_text(saved.to_json())
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    same = ["--lr", "0.0001", "--seed", "3", "--data", "d"]  # as the Fine-tune tab passes them
    argv = ["--out", str(tmp_path), "--resume", "--steps", "20"]
    config = train_cli.build_config(parser.parse_args([*argv, *same]))
    assert config.steps == 20 and capsys.readouterr().err == ""
    config = train_cli.build_config(parser.parse_args([*argv, "--lr", "1e-05"]))
    assert config.lr == 1e-4
    assert capsys.readouterr().err.strip() == (
        "warning: --lr 1e-05 is not used: the resumed run keeps its saved 0.0001 "
        "(a new --out starts a run with it)"
    )
    train_cli.build_config(parser.parse_args([*argv, "--rehearse-episodes", "50"]))
    assert "--rehearse-episodes 50 is not used" in capsys.readouterr().err
