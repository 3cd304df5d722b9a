"""Training and first-chunk checks straight from LeRobot folders (frames decoded in workers)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from pi0_core.policy import Policy
from pi0_core.train.first_chunk import first_chunk_agreement
from pi0_core.train.loop import train
from pi0_core.train.metrics import read_metrics
from tests.pi0_core.conftest import train_config
from tests.recordings.lerobot.helpers import export_folder, write_v21


def test_train_runs_from_a_lerobot_folder(tmp_path: Path, micro_init: Path) -> None:
    data = export_folder(tmp_path)
    config = train_config(data, tmp_path / "out", micro_init, steps=3, num_workers=1)
    final = train(config)
    steps = [record["step"] for record in read_metrics(tmp_path / "out") if "loss" in record]
    assert steps == [1, 2, 3]
    assert Policy.load(final, device="cpu").cameras == ("cam_high", "cam_left_wrist")


class _Replayer:
    """Answers each episode's first observation with that episode's actions."""

    chunk_size = 10
    cameras = ("cam_low",)  # the v2.1 set's `top`, renamed by the camera map
    spec = SimpleNamespace(max_dim=32)

    def __init__(self, episodes: list[dict]) -> None:
        self.chunks = {e["state"][0].tobytes(): e["action"][: self.chunk_size] for e in episodes}

    def infer(self, observation: dict, noise: object = None) -> np.ndarray:
        assert observation["images"]["cam_low"].shape == (32, 32, 3)
        return self.chunks[np.asarray(observation["state"], np.float32).tobytes()]


def test_first_chunk_reads_a_lerobot_folder(tmp_path: Path) -> None:
    episodes = write_v21(tmp_path / "v21", episodes=3)
    rows = first_chunk_agreement(
        _Replayer(episodes), [tmp_path / "v21"], episodes=3, camera_map={"top": "cam_low"}
    )
    assert len(rows) == 14
    assert all(row.correlation > 0.999 and row.mean_error == 0 for row in rows)
