"""`first-chunk`: a policy's first chunk against the demonstrations from the same start."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from app.cli.main import main
from pi0_core.train.first_chunk import first_chunk_agreement
from recordings import layout
from recordings.reader import EpisodeReader
from tests.pi0_core.conftest import make_policy
from tests.pi0_core.episodes import write_folder

CHUNK = 10


class _Replayer:
    """A policy that knows each demonstration by its first state, plus `offset` on joint 0."""

    def __init__(self, folder: Path, offset: float = 0.0) -> None:
        self.chunk_size, self.cameras = CHUNK, ("cam_high",)
        self.spec = SimpleNamespace(max_dim=32)
        self.chunks = {}
        for path in sorted(folder.glob("*.hdf5")):
            with EpisodeReader(path) as reader:
                start = reader.array(layout.QPOS)[0]
                self.chunks[start.tobytes()] = reader.array(layout.ACTION)[:CHUNK].copy()
        self.offset = offset

    def infer(self, observation: dict, noise: object = None) -> np.ndarray:
        chunk = self.chunks[np.asarray(observation["state"], np.float32).tobytes()].copy()
        chunk[:, 0] += self.offset
        return chunk


def test_a_policy_that_replays_the_demonstrations_agrees_exactly(tmp_path: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=5, steps=20)
    rows = first_chunk_agreement(_Replayer(data), [data], episodes=5)
    assert len(rows) == 14  # every joint of the test episodes moves
    for row in rows:
        assert row.correlation == pytest.approx(1.0) and row.mean_error == pytest.approx(0.0)
        assert row.policy_std == pytest.approx(row.demo_std)
    shifted = first_chunk_agreement(_Replayer(data, offset=0.3), [data], episodes=5)
    assert shifted[0].mean_error == pytest.approx(0.3) and shifted[1].mean_error == 0.0


def test_a_random_network_gives_finite_repeatable_numbers(tmp_path: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=4, steps=20)
    policy = make_policy()
    first = first_chunk_agreement(policy, [data], episodes=4, step=5, seed=3)
    again = first_chunk_agreement(policy, [data], episodes=4, step=5, seed=3)
    assert first == again
    assert all(-1 <= row.correlation <= 1 and np.isfinite(row.mean_error) for row in first)


@pytest.mark.parametrize(
    ("episodes", "steps", "step", "message"),
    [
        (1, 20, None, "at least 2"),
        (3, 20, 10, r"--step must be in \[0, 9\]"),
        (3, 5, None, "has 5 steps; the check compares step 9"),
    ],
)
def test_bad_input_is_named(tmp_path: Path, episodes: int, steps: int, step, message: str) -> None:
    data = write_folder(tmp_path / "data", episodes=episodes, steps=steps)
    with pytest.raises(ValueError, match=message):
        first_chunk_agreement(make_policy(), [data], episodes=episodes, step=step)


def test_the_command_prints_a_line_per_joint_and_json(
    tmp_path: Path, micro_init: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_folder(tmp_path / "data", episodes=3, steps=20)
    argv = ["first-chunk", "--data", str(data), "--checkpoint", str(micro_init), "--json"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert result["step"] == CHUNK - 1
    assert [row["joint"] for row in result["joints"]] == list(layout.JOINT_NAMES)
    assert any(line.startswith("left_waist") for line in lines)
