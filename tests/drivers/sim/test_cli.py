"""`main.py demos` and `main.py eval` from the command line: output and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli.main import main


@pytest.mark.slow
def test_eval_scripted_prints_json_last(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["eval", "--task", "pick_color", "--episodes", "1", "--policy", "scripted", "--json"]
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    summary = json.loads(lines[-1])
    assert summary["task"] == "pick_color" and summary["episodes"] == 1
    assert summary["success_rate"] == 1.0 and summary["seconds_per_episode"] > 0
    assert lines[-2] == (
        "  episodes reaching each stage: right gripper touches the named cube 1, "
        "named cube lifted 5 cm 1, success 1"
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--task", "stack_cups", "--policy", "scripted"], "unknown task"),
        (["--task", "pick_color", "--episodes", "0", "--policy", "scripted"], "at least 1"),
        (["--task", "pick_color", "--checkpoint", "/no/such/dir"], "no checkpoint directory"),
        (["--task", "pick_color", "--policy", "scripted", "--latency-ms", "-5"], ">= 0"),
        (["--task", "pick_color", "--policy", "scripted", "--delay-ticks", "-1"], ">= 0"),
    ],
)
def test_eval_bad_input_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code != 0
    assert err[-1].startswith("error: ") and message in err[-1]


def test_demos_bad_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "demos",
                "--task",
                "pick_color",
                "--episodes",
                "1",
                "--out",
                str(tmp_path),
                "--size",
                "big",
            ]
        )
    assert exit_info.value.code != 0


def test_demos_unknown_task_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demos", "--task", "stack_cups", "--episodes", "1", "--out", str(tmp_path)])
    assert code != 0
    assert "unknown task" in capsys.readouterr().err
