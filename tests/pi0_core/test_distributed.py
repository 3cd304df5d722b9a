"""Two CPU processes under torchrun (gloo), through the command line: DDP, and FSDP against it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli.main import main
from pi0_core.policy import Policy
from pi0_core.train.metrics import read_metrics
from tests.pi0_core.conftest import make_noise, make_observation
from tests.pi0_core.episodes import write_folder

REPO = Path(__file__).resolve().parents[2]
STEPS = 20


def _torchrun(data: Path, out: Path, init: Path, *extra: str) -> None:
    command = [
        sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
        "main.py", "train", "--data", str(data), "--out", str(out), "--init", str(init),
        "--steps", str(STEPS), "--lr", "3e-3", "--warmup-steps", "2", "--batch-size", "2",
        "--num-workers", "0", "--threads", "1", "--log-every", "1", *extra,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return write_folder(tmp_path_factory.mktemp("data"), episodes=2, steps=12)


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory, data: Path, micro_init: Path) -> Path:
    """20 steps of DDP."""
    out = tmp_path_factory.mktemp("ddp") / "out"
    _torchrun(data, out, micro_init)
    return out


@pytest.fixture(scope="module")
def fsdp_run(tmp_path_factory, data: Path, micro_init: Path) -> Path:
    """The same 20 steps with --fsdp, interrupted after 10 and resumed from the sharded run."""
    out = tmp_path_factory.mktemp("fsdp") / "out"
    _torchrun(data, out, micro_init, "--fsdp", "--stop-at", "10")
    assert not (out / "final").exists()
    _torchrun(data, out, micro_init, "--resume")
    return out


def _losses(out: Path) -> np.ndarray:
    return np.array([record["loss"] for record in read_metrics(out)])


def _actions(checkpoint: Path) -> np.ndarray:
    return Policy.load(checkpoint, device="cpu").infer(make_observation(), noise=make_noise())


@pytest.mark.slow
def test_two_gloo_processes_train_a_few_steps(ddp_run: Path) -> None:
    assert [record["step"] for record in read_metrics(ddp_run)] == list(range(1, STEPS + 1))
    assert "training on 2 process(es)" in (ddp_run / "train.log").read_text()
    assert Policy.load(ddp_run / "final", device="cpu").state_dim == 14


@pytest.mark.slow
def test_fsdp_gives_the_losses_of_ddp_step_for_step(ddp_run: Path, fsdp_run: Path) -> None:
    log = (fsdp_run / "train.log").read_text()
    assert "FSDP:" in log and "resuming at step 10" in log
    ddp, fsdp = _losses(ddp_run), _losses(fsdp_run)
    assert len(fsdp) == STEPS
    np.testing.assert_allclose(fsdp[:10], ddp[:10], atol=1e-4)  # sharded
    np.testing.assert_allclose(fsdp[10:], ddp[10:], atol=1e-4)  # resumed from the shards


@pytest.mark.slow
def test_gathered_checkpoint_acts_as_the_ddp_one(ddp_run: Path, fsdp_run: Path) -> None:
    np.testing.assert_allclose(_actions(fsdp_run / "final"), _actions(ddp_run / "final"), atol=1e-4)
    assert sorted(p.name for p in (fsdp_run / "final").iterdir()) == sorted(
        p.name for p in (ddp_run / "final").iterdir()
    )


def test_fsdp_alone_is_refused(tmp_path: Path, capsys) -> None:
    code = main(
        ["train", "--data", str(tmp_path), "--out", str(tmp_path), "--preset", "tiny", "--fsdp"]
    )
    assert code == 2
    assert capsys.readouterr().err.strip().startswith("error: --fsdp shards over several processes")
