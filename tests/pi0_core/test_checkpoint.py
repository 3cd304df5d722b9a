"""Checkpoint directories: round trip, pickle refusal, missing and corrupt files."""

import json
from pathlib import Path

import numpy as np
import pytest

from pi0_core.policy import Policy
from recordings.reader import load_episode
from tests.pi0_core.conftest import make_noise, make_observation, make_stats
from tests.pi0_core.episodes import write_folder


def test_save_load_round_trip_gives_identical_actions(policy: Policy, tmp_path: Path) -> None:
    policy.save(tmp_path / "ckpt", model_card="# micro\n")
    loaded = Policy.load(tmp_path / "ckpt", device="cpu")
    obs, noise = make_observation(), make_noise()
    np.testing.assert_array_equal(loaded.infer(obs, noise=noise), policy.infer(obs, noise=noise))
    assert loaded.cameras == policy.cameras
    assert loaded.model_card == "# micro\n"
    names = {p.name for p in (tmp_path / "ckpt").iterdir()}
    assert {"config.json", "model.safetensors", "policy.json", "README.md"} <= names


@pytest.mark.parametrize("name", ["pytorch_model.bin", "weights.pt", "model.pth", "last.ckpt"])
def test_pickle_files_are_refused(policy: Policy, tmp_path: Path, name: str) -> None:
    policy.save(tmp_path)
    (tmp_path / name).write_bytes(b"\x80\x04not really a pickle")
    with pytest.raises(ValueError, match=f"refusing to load pickle file .*{name}"):
        Policy.load(tmp_path, device="cpu")


@pytest.mark.parametrize("name", ["config.json", "model.safetensors"])
def test_missing_file_is_named(policy: Policy, tmp_path: Path, name: str) -> None:
    policy.save(tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(FileNotFoundError, match=f"missing .*{name}"):
        Policy.load(tmp_path, device="cpu")


@pytest.mark.parametrize("name", ["config.json", "model.safetensors", "policy.json"])
def test_corrupt_file_is_named(policy: Policy, tmp_path: Path, name: str) -> None:
    policy.save(tmp_path)
    data = (tmp_path / name).read_bytes()
    (tmp_path / name).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"corrupt .*{name}") as info:
        Policy.load(tmp_path, device="cpu")
    assert "\n" not in str(info.value).strip()


def test_bare_transformers_directory_loads_with_stats_json(policy: Policy, tmp_path: Path) -> None:
    policy.model.save_pretrained(tmp_path)
    policy.tokenizer.save(tmp_path)
    stats_file = tmp_path / "stats.json"
    stats_file.write_text(json.dumps(make_stats().to_dict()))
    loaded = Policy.load(
        tmp_path, device="cpu", norm_stats=stats_file, convention="identity", cameras=policy.cameras
    )
    assert loaded.spec.tokenizer == "bytes"
    assert loaded.state_dim == 14
    with pytest.raises(ValueError, match="no normalisation statistics: give --norm-stats PATH"):
        Policy.load(tmp_path, device="cpu")


def test_bare_directory_takes_stats_computed_from_episodes(policy: Policy, tmp_path: Path) -> None:
    policy.model.save_pretrained(tmp_path / "bare")
    policy.tokenizer.save(tmp_path / "bare")
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    loaded = Policy.load(
        tmp_path / "bare",
        device="cpu",
        norm_stats=data,
        convention="identity",
        cameras=policy.cameras,
    )
    qpos = load_episode(data / "episode_0.hdf5").qpos
    np.testing.assert_allclose(loaded.spec.stats.state_mean, qpos.mean(0), atol=1e-6)
