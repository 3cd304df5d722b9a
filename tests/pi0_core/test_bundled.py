"""The policy shipped with the app loads and gives sane actions on a simulated observation."""

import numpy as np
import pytest

from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.policy import Policy


@pytest.fixture(scope="module")
def bundled() -> Policy:
    return Policy.load(BUNDLED_CHECKPOINT, device="cpu")


def test_bundled_checkpoint_is_small_and_pickle_free() -> None:
    files = {path.name: path.stat().st_size for path in BUNDLED_CHECKPOINT.iterdir()}
    assert {"config.json", "model.safetensors", "policy.json", "README.md"} <= set(files)
    assert sum(files.values()) < 40 * 2**20
    assert not [name for name in files if name.endswith((".bin", ".pt", ".pth", ".ckpt"))]


def test_bundled_policy_acts_inside_the_joint_limits(bundled: Policy) -> None:
    from drivers.sim.world import AlohaSim

    with AlohaSim("pick_color", seed=123) as sim:
        obs = {
            # at the size the bundled policy's demonstrations were recorded at
            "images": {cam: sim.render(cam, *bundled.camera_size) for cam in bundled.cameras},
            "state": sim.qpos(),
            "prompt": sim.prompt,
        }
        lo, hi = sim.joint_limits()
    chunk = bundled.infer(obs, noise=np.zeros((50, 32), np.float32))
    assert chunk.shape == (50, 14)
    assert np.isfinite(chunk).all()
    # The network's raw output, before the runtime's safety clamp: allow a small overshoot.
    margin = 0.1
    assert (chunk >= lo - margin).all() and (chunk <= hi + margin).all()
