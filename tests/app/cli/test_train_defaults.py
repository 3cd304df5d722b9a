"""`train --init` defaults: rehearse the checkpoint's tasks, augment as it was trained."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from app.cli import train as train_cli
from app.cli.train_defaults import default_rehearsal, geometric_augmentation, rehearsal_of
from pi0_core.bundled import BUNDLED_CHECKPOINT

BUNDLED = str(BUNDLED_CHECKPOINT)


def _args(*extra: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    train_cli.add_arguments(parser)
    return parser.parse_args(["--out", "o", "--data", "d", *extra])


def test_bundled_policy_rehearses_its_own_data_by_default() -> None:
    assert rehearsal_of(_args("--init", BUNDLED)) == ("init:0.5",)


def test_no_rehearse_turns_the_default_off() -> None:
    assert rehearsal_of(_args("--init", BUNDLED, "--no-rehearse")) == ()


def test_given_rehearsal_replaces_the_default() -> None:
    assert rehearsal_of(_args("--init", BUNDLED, "--rehearse", "old:0.2")) == ("old:0.2",)


def test_checkpoint_without_demos_in_its_card_rehearses_nothing(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# trained on real arms\n")
    assert default_rehearsal(str(tmp_path)) == ()
    assert default_rehearsal(None) == ()


def test_bundled_policy_is_fine_tuned_with_colour_jitter_only() -> None:
    assert not geometric_augmentation(_args("--init", BUNDLED))
    assert geometric_augmentation(_args("--init", BUNDLED, "--geometric-augment"))


@pytest.mark.parametrize("extra", [["--preset", "tiny"], ["--init", "/no/card"]])
def test_other_runs_augment_geometry(extra: list[str]) -> None:
    assert geometric_augmentation(_args(*extra))
    assert not geometric_augmentation(_args(*extra, "--colour-augment-only"))
