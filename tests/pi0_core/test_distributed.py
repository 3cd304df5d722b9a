"""Two CPU processes under torchrun (gloo), through the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from pi0_core.policy import Policy
from pi0_core.train.metrics import read_metrics
from tests.pi0_core.episodes import write_folder

REPO = Path(__file__).resolve().parents[2]


def test_two_gloo_processes_train_a_few_steps(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=2, steps=12)
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "main.py", "train", "--data", str(data), "--out", str(out), "--init", str(micro_init),
        "--steps", "3", "--batch-size", "2", "--num-workers", "0", "--threads", "1",
        "--log-every", "1",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert [record["step"] for record in read_metrics(out)] == [1, 2, 3]
    assert "training on 2 process(es)" in (out / "train.log").read_text()
    assert Policy.load(out / "final", device="cpu").state_dim == 14
