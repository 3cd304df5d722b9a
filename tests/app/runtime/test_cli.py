"""The headless `run` and `teleop` subcommands, end to end through main()."""

from pathlib import Path

import pytest

from app.cli.main import main
from recordings.validate import validate_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["teleop", "--episodes", "0"], "--episodes must be at least 1"),
        (["teleop", "--seconds", "-1"], "--seconds must be positive"),
        (["teleop", "--record", "x", "--episodes", "2"], "needs --episode-seconds"),
        (["run", "--seconds", "0"], "--seconds must be positive"),
        (["run", "--blend", "--execution", "rtc"], "--blend contradicts --execution rtc"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(argv, message, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_aloha_without_a_config_file_says_where_it_looked(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "robot.toml"
    assert main(["teleop", "--robot", "aloha", "--config", str(missing)]) == 2
    assert f"no ALOHA config at {missing}" in capsys.readouterr().err


@pytest.mark.slow
def test_teleop_on_the_virtual_bus_records_an_episode(tmp_path: Path, capsys) -> None:
    argv = ["teleop", "--robot", "virtual", "--record", str(tmp_path), "--episodes", "1",
            "--episode-seconds", "1", "--prompt", "hand the cube over", "--rate", "20",
            "--seconds", "60"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"saved {tmp_path / 'episode_0.hdf5'}" in out and "recorded 1 episode(s)" in out
    assert [r.ok for r in validate_path(tmp_path)] == [True]


@pytest.mark.slow
def test_run_in_the_simulator_prints_telemetry_and_records(tmp_path: Path, capsys) -> None:
    import torch

    from app.runtime.untrained import untrained_tiny_policy

    torch.set_num_threads(1)
    untrained_tiny_policy(cameras=("cam_high",)).save(tmp_path / "policy")
    argv = ["run", "--robot", "sim", "--checkpoint", str(tmp_path / "policy"), "--seconds", "2.5",
            "--record", str(tmp_path / "rec"), "--prompt", "pick up the red cube"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "prompt 'pick up the red cube'" in out and "period p50" in out
    assert "task success: no" in out and "recorded 1 episode(s)" in out
    assert [r.ok for r in validate_path(tmp_path / "rec")] == [True]
