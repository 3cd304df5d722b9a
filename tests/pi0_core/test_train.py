"""Training: overfitting one episode, exact resume, and bad input stopping before training."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from pi0_core.policy import Policy
from pi0_core.train.config import TrainConfig
from pi0_core.train.loop import train
from pi0_core.train.metrics import read_metrics
from recordings.reader import load_episode
from tests.pi0_core.conftest import WIDE, make_policy
from tests.pi0_core.conftest import train_config as _config
from tests.pi0_core.episodes import write_episode, write_folder


def test_overfits_one_episode(tmp_path: Path) -> None:
    init = make_policy(preset=WIDE).save(tmp_path / "init")
    episode = write_episode(tmp_path / "data" / "episode_0.hdf5", steps=20)
    config = _config(
        tmp_path / "data",
        tmp_path / "out",
        init,
        steps=300,
        batch_size=8,
        lr=3e-3,
        warmup_steps=20,
        ema_decay=0.9,
        augment=False,
    )
    final = train(config)

    losses = [record["loss"] for record in read_metrics(tmp_path / "out")]
    assert np.mean(losses[-10:]) < np.mean(losses[:10]) / 10

    policy = Policy.load(final, device="cpu")
    recorded = load_episode(episode)
    errors = []
    for t in (0, 5, 10):
        obs = {
            "images": {cam: recorded.images[cam][t] for cam in policy.cameras},
            "state": recorded.qpos[t],
            "prompt": recorded.prompt,
        }
        chunk = policy.infer(obs, noise=np.zeros((10, 32)))
        errors.append(np.abs(chunk - recorded.action[t : t + 10]).mean())
    spread = np.abs(recorded.action - recorded.action.mean(0)).mean()
    assert np.mean(errors) < 0.3 * spread


def test_resume_repeats_the_uninterrupted_run(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=2, steps=20)
    train(_config(data, tmp_path / "straight", micro_init))
    interrupted = _config(data, tmp_path / "resumed", micro_init)
    train(interrupted, stop_at=5)
    train(interrupted, resume_run=True)

    straight = read_metrics(tmp_path / "straight")
    resumed = read_metrics(tmp_path / "resumed")
    assert [r["step"] for r in resumed] == list(range(1, 13))
    np.testing.assert_allclose(
        [r["loss"] for r in resumed], [r["loss"] for r in straight], rtol=1e-5
    )


def test_checkpoints_and_final_are_loadable(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    train(_config(data, tmp_path / "out", micro_init, steps=4, save_every=2))
    out = tmp_path / "out"
    names = sorted(p.name for p in (out / "checkpoints").iterdir())
    assert names == ["step_000002", "step_000004"]
    policy = Policy.load(out / "final", device="cpu")
    assert policy.cameras == ("cam_high", "cam_left_wrist")
    assert "step 4" in policy.model_card
    assert set(read_metrics(out)[0]) >= {
        "step",
        "loss",
        "lr",
        "grad_norm",
        "samples_per_s",
        "eta_s",
    }
    assert (out / "train.log").read_text()


def test_crops_are_saved_with_the_policy_and_used_at_inference(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    crops = {"cam_high": (0.1, 0.2, 0.9, 0.8)}
    train(_config(data, tmp_path / "out", micro_init, steps=2, crops=crops, augment_geometry=False))
    policy = Policy.load(tmp_path / "out" / "final", device="cpu")
    assert policy.spec.crops == crops
    image = np.zeros((20, 20, 3), dtype=np.uint8)
    image[:, :4] = 255  # only outside the crop: the model must not see it
    plain = {"cam_high": np.zeros_like(image), "cam_left_wrist": np.zeros_like(image)}
    observation = {"state": np.zeros(14, dtype=np.float32), "prompt": "pick"}
    noise = torch.zeros(policy.chunk_size, policy.spec.max_dim)
    with_stripe = policy.infer({**observation, "images": {**plain, "cam_high": image}}, noise=noise)
    without = policy.infer({**observation, "images": plain}, noise=noise)
    np.testing.assert_array_equal(with_stripe, without)


def test_state_dropout_changes_what_the_network_is_trained_on(
    tmp_path: Path, micro_init: Path
) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    losses = {}
    for dropout in (0.0, 0.9):
        out = tmp_path / f"out_{dropout}"
        train(_config(data, out, micro_init, steps=3, state_dropout=dropout, augment=False))
        losses[dropout] = [r["loss"] for r in read_metrics(out)]
    assert losses[0.0][0] != losses[0.9][0]
    assert all(np.isfinite(losses[0.9]))


def test_crop_for_an_unknown_camera_stops_before_training(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    config = _config(data, tmp_path / "out", micro_init, crops={"cam_low": (0, 0, 1, 1)})
    with pytest.raises(ValueError, match="crop given for cam_low"):
        train(config)
    assert not (tmp_path / "out" / "metrics.jsonl").exists()


def test_empty_folder_stops_before_training(tmp_path: Path, micro_init: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no .hdf5 episodes"):
        train(_config(tmp_path / "empty", tmp_path / "out", micro_init))


def test_invalid_episode_stops_before_training(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    (data / "episode_9.hdf5").write_bytes(b"not an hdf5 file")
    with pytest.raises(ValueError, match="episode_9.hdf5"):
        train(_config(data, tmp_path / "out", micro_init))
    assert not (tmp_path / "out" / "metrics.jsonl").exists()


def test_dims_must_match_the_init_checkpoint(tmp_path: Path) -> None:
    init = make_policy()
    spec = replace(init.spec, state_dim=7, action_dim=7, stats=_stats_of_dim(7))
    init.spec = spec
    path = init.save(tmp_path / "init7")
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    with pytest.raises(ValueError, match="trained with 7/7"):
        train(_config(data, tmp_path / "out", path))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("batch_size", 0, "--batch-size must be at least 1"),
        ("lr", 5.0, "--lr 5.0 is out of range"),
        ("preset", "huge", "unknown preset 'huge'; known presets: pi0, tiny"),
        ("state_dropout", 1.0, "--state-dropout must be in"),
        ("stats", "mean", "--stats must be one of init, data, merge"),
    ],
)
def test_bad_settings_are_refused(field: str, value: object, message: str) -> None:
    settings = {"data": ("d",), "out": "o", "preset": "tiny", field: value}
    with pytest.raises(ValueError, match=message):
        TrainConfig(**settings)


def _stats_of_dim(dim: int):
    from tests.pi0_core.conftest import make_stats

    return make_stats(dim)


def test_eval_hook_reports_the_simulator_success_rate(
    tmp_path: Path, micro_init: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = {}

    def fake_evaluate(task, policy, episodes, seed=0, image_size=None):
        seen.update(task=task, episodes=episodes, cameras=policy.cameras)
        seen["actions"] = policy.infer(_observation_for(policy)).shape
        return SimpleNamespace(success_rate=0.25)

    fake = SimpleNamespace(evaluate=fake_evaluate, render_size_for=lambda policy: (24, 32))
    monkeypatch.setitem(sys.modules, "drivers.sim.evaluate", fake)
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    settings = {"eval_task": "insertion", "eval_every": 2, "eval_episodes": 3}
    train(_config(data, tmp_path / "out", micro_init, steps=2, **settings))
    last = read_metrics(tmp_path / "out")[-1]
    assert last["eval_success_rate"] == 0.25
    assert seen == {
        "task": "insertion",
        "episodes": 3,
        "cameras": ("cam_high", "cam_left_wrist"),
        "actions": (10, 14),
    }
    card = (tmp_path / "out/final/README.md").read_text()
    assert "simulator success rate on insertion: 25%" in card


def test_lora_trains_adapters_and_saves_a_plain_network(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    train(_config(data, tmp_path / "out", micro_init, steps=2, lora=True, lora_rank=4))
    policy = Policy.load(tmp_path / "out/final", device="cpu")
    names = [name for name, _ in policy.model.named_parameters()]
    assert not [name for name in names if "lora" in name]
    init = Policy.load(micro_init, device="cpu").model.state_dict()
    trained = policy.model.state_dict()
    vision = "model.vlm.vision_tower.embeddings.patch_embedding.weight"
    language = "model.vlm.language_model.embed_tokens.weight"
    assert not torch.equal(trained[vision], init[vision])  # fully trained
    assert torch.equal(trained[language], init[language])  # frozen


def _observation_for(policy: Policy) -> dict:
    images = {cam: np.zeros((24, 32, 3), dtype=np.uint8) for cam in policy.cameras}
    return {"images": images, "state": np.zeros(14), "prompt": "wave"}


def test_gradient_checkpointing_gives_the_same_losses(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    train(_config(data, tmp_path / "plain", micro_init, steps=2))
    train(_config(data, tmp_path / "ckpt", micro_init, steps=2, grad_checkpointing=True))
    plain, recomputed = read_metrics(tmp_path / "plain"), read_metrics(tmp_path / "ckpt")
    assert [r["loss"] for r in recomputed] == pytest.approx([r["loss"] for r in plain], rel=1e-5)


def test_stop_at_ends_the_session_and_resume_finishes_the_same_run(
    tmp_path: Path, micro_init: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.cli.main import main

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    out = tmp_path / "out"
    common = ["--threads", "1", "--num-workers", "0", "--log-every", "1", "--save-every", "3"]
    argv = ["train", "--data", str(data), "--out", str(out), "--init", str(micro_init)]
    assert main([*argv, "--steps", "6", "--batch-size", "4", "--stop-at", "3", *common]) == 0
    assert "stopped at step 3" in capsys.readouterr().out
    assert (out / "checkpoints" / "step_000003").is_dir() and not (out / "final").exists()
    assert main(["train", "--out", str(out), "--resume"]) == 0
    assert [r["step"] for r in read_metrics(out)] == list(range(1, 7))
    assert (out / "final").is_dir()
    assert main([*argv, "--steps", "6", "--stop-at", "7"]) == 2
    assert "--stop-at must be in [1, 6]" in capsys.readouterr().err


def test_logged_losses_are_the_means_since_the_last_line(tmp_path: Path, micro_init: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12, objects=True)
    every, sparse = (tmp_path / "every", 1), (tmp_path / "sparse", 3)
    for out, log_every in (every, sparse):
        train(_config(data, out, micro_init, steps=6, log_every=log_every, object_loss=1.0))
    steps = read_metrics(every[0])
    lines = read_metrics(sparse[0])
    assert [r["step"] for r in lines] == [3, 6]
    for key in ("loss", "object_loss"):
        means = [np.mean([r[key] for r in steps[i : i + 3]]) for i in (0, 3)]
        assert [r[key] for r in lines] == pytest.approx(means, rel=1e-5)


def test_the_progress_line_shows_the_logged_loss(
    tmp_path: Path, micro_init: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    import re

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    train(_config(data, tmp_path / "out", micro_init, steps=6, log_every=3))
    shown = re.findall(r"loss=([0-9.]+)", capfd.readouterr().err)
    # The Fine-tune tab shows this line beside the curve of metrics.jsonl: the same figure.
    assert shown and float(shown[-1]) == pytest.approx(
        read_metrics(tmp_path / "out")[-1]["loss"], abs=1e-4
    )
