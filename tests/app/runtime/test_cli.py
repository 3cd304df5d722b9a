"""The headless `run` and `teleop` subcommands, end to end through main()."""

from pathlib import Path

import numpy as np
import pytest

from app.cli.main import main
from drivers.sim.world import AlohaSim
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


ALOHA_WITHOUT_CAMERAS = """
[ports]
follower_left = "/dev/null-follower-left"
follower_right = "/dev/null-follower-right"
leader_left = "/dev/null-leader-left"
leader_right = "/dev/null-leader-right"
"""


def test_recording_on_a_robot_without_cameras_is_refused_before_it_starts(
    tmp_path: Path, capsys
) -> None:
    config = tmp_path / "robot.toml"
    config.write_text(ALOHA_WITHOUT_CAMERAS)
    argv = ["teleop", "--robot", "aloha", "--config", str(config), "--record",
            str(tmp_path / "rec"), "--episodes", "1", "--prompt", "fold the towel"]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --record needs a camera and this aloha robot has none")
    assert "port" not in err  # refused before any serial port was opened


@pytest.mark.parametrize(("command", "robot"), [("teleop", "virtual"), ("run", "sim")])
def test_an_unusable_recording_folder_is_refused_first(command, robot, tmp_path, capsys) -> None:
    (tmp_path / "file").write_text("")
    folder = tmp_path / "file" / "rec"
    assert main([command, "--record", str(folder), "--robot", robot, "--prompt", "x"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"error: cannot create the recording folder {folder}: Not a directory"


@pytest.mark.slow
def test_teleop_in_the_simulator_records_the_expert_on_a_new_scene_each_episode(
    tmp_path: Path, capsys
) -> None:
    import h5py

    argv = ["teleop", "--robot", "sim", "--task", "pick_color", "--leader", "expert",
            "--record", str(tmp_path), "--episodes", "2", "--episode-seconds", "1.5",
            "--reset-seconds", "0.2", "--prompt", "pick up the green cube"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "recorded 2 episode(s)" in out
    assert [r.ok for r in validate_path(tmp_path)] == [True, True]
    first_frames, actions, first_qpos = [], [], []
    for index in range(2):
        with h5py.File(tmp_path / f"episode_{index}.hdf5") as episode:
            assert episode.attrs["prompt"] == "pick up the green cube"
            first_frames.append(episode["observations/images/cam_high"][0])
            actions.append(episode["action"][:])
            first_qpos.append(episode["observations/qpos"][0])
    assert not np.array_equal(*first_frames)  # the scene was reset to a new seed between them
    assert all(np.ptp(a[:, 7:13], axis=0).max() > 0.05 for a in actions)  # the right arm moved
    # Each take starts at the start pose: the expert holds it through the reset pause (it used
    # to play there and start over with the take), and after a reset the safety layer does not
    # drive the arms back toward where the episode before left them.
    start = AlohaSim.start_action()
    assert all(np.abs(q[7:13] - start[7:13]).max() < 0.05 for q in first_qpos)
    assert "clamped ticks 0" in out  # no jump for the safety layer to slow down


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["teleop", "--robot", "virtual", "--leader", "expert"], "--leader needs --robot sim"),
        (["teleop", "--robot", "sim", "--leader", "keyboard", "--seconds", "1"], "from a terminal"),
    ],
)
def test_played_leader_errors_are_one_line(argv, message, capsys) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err
