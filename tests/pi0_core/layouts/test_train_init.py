"""train --init from a foreign layout, with the convention applied to the data and its stats."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pi0_core import Policy
from pi0_core.adapters import make_adapter
from pi0_core.layouts.resolve import MissingInputError
from pi0_core.train.loop import train
from recordings.reader import load_episode
from tests.pi0_core.conftest import make_policy, make_stats
from tests.pi0_core.conftest import train_config as _config
from tests.pi0_core.episodes import write_folder
from tests.pi0_core.layouts.writers import write_openpi


def test_init_from_openpi_with_a_delta_convention(tmp_path: Path) -> None:
    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    init = write_openpi(tmp_path / "openpi", make_policy(), make_stats(), asset_id="droid")
    config = _config(data, tmp_path / "out", init, steps=2)
    with pytest.raises(MissingInputError, match="has no tokenizer: give --tokenizer"):
        train(config)
    config = _config(
        data, tmp_path / "out", init, steps=2, tokenizer="bytes", convention="openpi_aloha_delta"
    )
    policy = Policy.load(train(config), device="cpu")
    assert policy.spec.adapter == "openpi_aloha_delta"
    adapter = make_adapter("openpi_aloha_delta")
    qpos = load_episode(data / "episode_0.hdf5").qpos
    converted = np.stack([adapter.observation({"state": s})["state"] for s in qpos])
    np.testing.assert_allclose(policy.spec.stats.state_mean, converted.mean(0), atol=1e-5)


def test_init_from_a_relative_action_checkpoint_is_refused(tmp_path: Path) -> None:
    import json

    from pi0_core.convert import convert
    from pi0_core.layouts.resolve import UnsupportedCheckpointError

    data = write_folder(tmp_path / "data", episodes=1, steps=12)
    init = convert(make_policy(), tmp_path / "lerobot", to="lerobot")
    config = json.loads((init / "config.json").read_text())
    (init / "config.json").write_text(json.dumps({**config, "use_relative_actions": True}))
    with pytest.raises(UnsupportedCheckpointError, match="use_relative_actions"):
        train(_config(data, tmp_path / "out", init, steps=2))
