"""Training straight from a LeRobot dataset folder, frames decoded in a DataLoader worker."""

from __future__ import annotations

from pathlib import Path

from pi0_core.policy import Policy
from pi0_core.train.loop import train
from pi0_core.train.metrics import read_metrics
from tests.pi0_core.conftest import train_config
from tests.recordings.lerobot.helpers import export_folder


def test_train_runs_from_a_lerobot_folder(tmp_path: Path, micro_init: Path) -> None:
    data = export_folder(tmp_path)
    config = train_config(data, tmp_path / "out", micro_init, steps=3, num_workers=1)
    final = train(config)
    assert [record["step"] for record in read_metrics(tmp_path / "out")] == [1, 2, 3]
    assert Policy.load(final, device="cpu").cameras == ("cam_high", "cam_left_wrist")
