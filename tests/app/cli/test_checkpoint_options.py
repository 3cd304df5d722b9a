"""Every command that takes a checkpoint takes what a foreign folder lacks, the same way."""

from __future__ import annotations

import pytest

from app.cli.checkpoint_options import checkpoint_options
from app.cli.main import build_parser

GIVEN = ["--norm-stats", "s.json", "--tokenizer", "tokenizer.model", "--convention", "openpi_aloha"]
WANTED = {"norm_stats": "s.json", "tokenizer": "tokenizer.model", "convention": "openpi_aloha"}


@pytest.mark.parametrize(
    "command",
    [
        [],  # the app
        ["run"],
        ["eval", "--task", "pick_color", "--checkpoint", "DIR"],
        ["bench", "--loop"],
        ["convert", "DIR", "--out", "OUT"],
    ],
)
def test_the_three_options_reach_policy_load(command: list[str]) -> None:
    args = build_parser().parse_args([*command, *GIVEN])
    assert checkpoint_options(args) == WANTED


def test_train_takes_tokenizer_and_convention_but_no_stats() -> None:
    args = build_parser().parse_args(["train", "--init", "DIR", "--out", "O", *GIVEN[2:]])
    assert checkpoint_options(args) == {k: WANTED[k] for k in ("tokenizer", "convention")}
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--init", "DIR", "--out", "O", *GIVEN[:2]])


def test_none_given_is_nothing() -> None:
    assert checkpoint_options(build_parser().parse_args(["run"])) == {}
