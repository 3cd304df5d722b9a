"""`main.py validate`: one line per file, exit code 0 only when every file is OK."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli.main import main
from tests.recordings.episodes import write_episode


def test_all_ok_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=3)
    write_episode(tmp_path / "episode_1.hdf5", steps=3, compress=True)
    assert main(["validate", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert all(": OK (3 steps" in line for line in lines)


def test_one_bad_file_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_episode(tmp_path / "episode_0.hdf5", steps=3)
    (tmp_path / "notes.hdf5").write_text("not an episode")
    assert main(["validate", str(tmp_path / "episode_0.hdf5"), str(tmp_path / "notes.hdf5")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith(
        "episode_0.hdf5: OK (3 steps, 2 cameras raw: cam_high, "
        "cam_left_wrist; prompt 'pick up the red cube')"
    )
    assert out[1].startswith(f"{tmp_path / 'notes.hdf5'}: not an HDF5 file")


def test_missing_path_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "missing"), str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{tmp_path / 'missing'}: no such file or folder",
        f"{tmp_path}: empty folder: no .hdf5 episode files in it",
    ]
