"""Every layout, written from the same weights by its key rules, gives our layout's actions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pi0_core import Policy
from pi0_core.convert import convert
from pi0_core.layouts import read_folder
from pi0_core.layouts.resolve import MissingInputError
from pi0_core.stats_source import OPENPI_EPS
from tests.pi0_core.conftest import make_stats
from tests.pi0_core.layouts.writers import (
    aloha_observation,
    aloha_policy,
    noise,
    openpi_stats_dict,
    write_lerobot_legacy,
    write_openpi,
)

STATS = make_stats()
OPENPI_RULE = {"std_floor": 0.0, "std_eps": OPENPI_EPS}
LEROBOT_RULE = {"std_floor": 0.0, "std_eps": 1e-8}


def _actions(policy: Policy, seed: int = 0) -> np.ndarray:
    return policy.infer(aloha_observation(seed), noise=noise(seed))


def test_openpi_layout_gives_our_actions(tmp_path: Path) -> None:
    ours = aloha_policy({"adapter": "openpi_aloha_delta", **OPENPI_RULE})
    folder = write_openpi(tmp_path / "openpi", ours, STATS)
    loaded = Policy.load(folder, tokenizer="bytes", device="cpu")
    assert loaded.layout == "openpi" and loaded.spec.adapter == "openpi_aloha_delta"
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)


def test_openpi_stats_are_the_ones_applied(tmp_path: Path) -> None:
    ours = aloha_policy({"adapter": "openpi_aloha_delta", **OPENPI_RULE})
    folder = write_openpi(tmp_path / "openpi", ours, STATS)
    before = _actions(Policy.load(folder, tokenizer="bytes", device="cpu"))
    stats_file = folder / "assets" / "trossen" / "norm_stats.json"
    data = json.loads(stats_file.read_text())
    data["norm_stats"]["actions"]["std"][0] *= 2.0  # waist joint's action scale
    stats_file.write_text(json.dumps(data))
    after = _actions(Policy.load(folder, tokenizer="bytes", device="cpu"))
    moved = np.abs(after - before).max(axis=0)
    assert moved[0] > 1e-3 and np.all(moved[1:] < 1e-6)


def test_openpi_asset_id_sets_the_convention(tmp_path: Path) -> None:
    ours = aloha_policy({"adapter": "openpi_aloha", **OPENPI_RULE})
    folder = write_openpi(
        tmp_path / "sim", ours, STATS, asset_id="lerobot/aloha_sim_transfer_cube_human"
    )
    loaded = Policy.load(folder, tokenizer="bytes", device="cpu")
    assert loaded.spec.adapter == "openpi_aloha"
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)


def test_openpi_without_tokenizer_names_the_option(tmp_path: Path) -> None:
    folder = write_openpi(tmp_path / "openpi", aloha_policy(), STATS)
    with pytest.raises(
        MissingInputError, match="openpi layout.* has no tokenizer: give --tokenizer"
    ):
        Policy.load(folder, device="cpu")


def test_unknown_asset_needs_a_convention(tmp_path: Path) -> None:
    folder = write_openpi(tmp_path / "openpi", aloha_policy(), STATS, asset_id="droid")
    with pytest.raises(MissingInputError, match="give --convention NAME"):
        Policy.load(folder, tokenizer="bytes", device="cpu")
    loaded = Policy.load(folder, tokenizer="bytes", convention="identity", device="cpu")
    assert loaded.spec.adapter == "identity"


def test_lerobot_layout_gives_our_actions_and_applies_its_stats(tmp_path: Path) -> None:
    ours = aloha_policy(LEROBOT_RULE)
    folder = convert(ours, tmp_path / "lerobot", to="lerobot")
    assert read_folder(folder).layout == "lerobot"
    loaded = Policy.load(folder, device="cpu")
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)
    from safetensors.numpy import load_file, save_file

    post = folder / "policy_postprocessor_step_0_unnormalizer_processor.safetensors"
    values = load_file(str(post))
    values["action.mean"] = values["action.mean"] + np.eye(14, dtype=np.float32)[3]
    save_file(values, str(post))
    shifted = _actions(Policy.load(folder, device="cpu")) - _actions(ours)
    np.testing.assert_allclose(shifted, np.broadcast_to(np.eye(14)[3], shifted.shape), atol=1e-5)


def test_lerobot_export_keeps_our_normalisation(tmp_path: Path) -> None:
    ours = aloha_policy()  # our own rule: std floored at 1e-2
    folder = convert(ours, tmp_path / "lerobot", to="lerobot")
    np.testing.assert_allclose(
        _actions(Policy.load(folder, device="cpu")), _actions(ours), atol=1e-5
    )


def test_lerobot_legacy_layout_loads_with_its_buffers(tmp_path: Path) -> None:
    ours = aloha_policy(LEROBOT_RULE)
    folder = write_lerobot_legacy(tmp_path / "old", ours, STATS)
    loaded = Policy.load(folder, tokenizer="bytes", device="cpu")
    assert loaded.layout == "lerobot-legacy"
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)


def test_transformers_layout_with_openpi_stats_file(tmp_path: Path) -> None:
    ours = aloha_policy(OPENPI_RULE)
    ours.model.save_pretrained(tmp_path / "hf")
    ours.tokenizer.save(tmp_path / "hf")
    stats_file = tmp_path / "norm_stats.json"
    stats_file.write_text(json.dumps(openpi_stats_dict(STATS)))
    loaded = Policy.load(
        tmp_path / "hf", norm_stats=stats_file, convention="identity", device="cpu"
    )
    assert loaded.layout == "transformers"
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)


def test_convert_to_ours_keeps_convention_and_actions(tmp_path: Path) -> None:
    ours = aloha_policy({"adapter": "openpi_aloha_delta", **OPENPI_RULE})
    folder = write_openpi(tmp_path / "openpi", ours, STATS)
    converted = convert(Policy.load(folder, tokenizer="bytes", device="cpu"), tmp_path / "ours")
    loaded = Policy.load(converted, device="cpu")
    assert loaded.layout == "pi0studio" and loaded.spec.adapter == "openpi_aloha_delta"
    np.testing.assert_allclose(_actions(loaded), _actions(ours), atol=1e-6)


def test_lerobot_without_stats_files_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    folder = convert(aloha_policy(), tmp_path / "lerobot", to="lerobot")
    (folder / "policy_postprocessor_step_0_unnormalizer_processor.safetensors").unlink()
    (folder / "policy_preprocessor_step_5_normalizer_processor.safetensors").unlink()
    found = read_folder(folder)
    assert found.stats is None and any("--norm-stats" in p for p in found.problems)
    with pytest.raises(MissingInputError, match="no normalisation statistics"):
        Policy.load(folder, device="cpu")
    loaded = Policy.load(folder, norm_stats=STATS, device="cpu")
    assert loaded.cameras == ("cam_high", "cam_left_wrist", "cam_right_wrist")


def test_lerobot_camera_names_map_to_this_robots() -> None:
    from pi0_core.layouts.lerobot import _cameras

    features = {
        f"observation.images.{name}": {"type": "VISUAL", "shape": [3, 224, 224]}
        for name in ("base_0_rgb", "left_wrist_0_rgb", "top", "cam_low")
    }
    assert _cameras({"input_features": features}) == (
        "cam_high",
        "cam_left_wrist",
        "cam_high",
        "cam_low",
    )


@pytest.mark.parametrize(
    "change, named",
    [
        ({"use_relative_actions": True}, "use_relative_actions"),
        ({"image_resolution": [448, 448]}, "image_resolution"),
    ],
)
def test_lerobot_action_space_we_cannot_honour_is_refused(tmp_path: Path, change, named) -> None:
    from pi0_core.describe import describe
    from pi0_core.layouts.resolve import UnsupportedCheckpointError

    folder = convert(aloha_policy(LEROBOT_RULE), tmp_path / "lerobot", to="lerobot")
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, **change}))
    with pytest.raises(UnsupportedCheckpointError, match=named) as refused:
        Policy.load(folder, device="cpu")
    assert "\n" not in str(refused.value)
    assert any(named in problem for problem in describe(folder)["problems"])
