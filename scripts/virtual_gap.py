"""Where the virtual ALOHA and the simulator differ, one factor at a time (docs/virtual-vs-sim.md).

Deterministic (the virtual bus is stepped by hand): the follower state read after the arms
rested for `--rest-steps` control periods and connected, and the bundled policy's first chunk
from it (same images, same noise), on the simulator robot and through the real driver.

    python scripts/virtual_gap.py --seeds 5
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.arm_config import ArmConfig
from drivers.sim.world import AlohaSim
from drivers.virtual_bus import VirtualAloha, virtual_arm
from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.policy import Policy

ROLES = ("follower_left", "follower_right")


def sim_state(task: str, seed: int, rest_steps: int) -> tuple[np.ndarray, AlohaSim]:
    sim = AlohaSim(task, seed)
    sim.reset(seed)
    for _ in range(rest_steps):
        sim.set_action(sim.start_action())
        sim.step()
    return sim.qpos(), sim


def virtual_state(
    task: str, seed: int, rest_steps: int, rest_fix: bool
) -> tuple[np.ndarray, AlohaSim]:
    commanded = virtual_arm.VirtualArm.commanded_joints
    if not rest_fix:  # the old behaviour: an unpowered servo holds wherever it sags to
        virtual_arm.VirtualArm.commanded_joints = lambda self, rest=None: commanded(self)
    try:
        bus = VirtualAloha("sim", task, seed=seed, realtime=False).start()
        bus.reset(seed)
        for _ in range(rest_steps):
            bus.step()
        arms = [AlohaArm(ArmConfig(r, bus.ports[r], min_reply_timeout_ms=300)) for r in ROLES]
        for arm in arms:
            arm.connect()
        state = np.concatenate([arm.read_state().qpos for arm in arms])
        for arm in arms:
            arm.disconnect()
        bus.stop()
    finally:
        virtual_arm.VirtualArm.commanded_joints = commanded
    return state, bus.sim


def first_chunk(
    policy: Policy, sim: AlohaSim, state: np.ndarray, noise: torch.Tensor
) -> np.ndarray:
    images = {cam: sim.render(cam, 240, 320) for cam in policy.cameras}
    return policy.infer({"images": images, "state": state, "prompt": sim.prompt}, noise=noise)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="pick_color")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rest-steps", type=int, default=25)
    args = parser.parse_args()
    policy = Policy.load(BUNDLED_CHECKPOINT)
    rows = {"rest fix on": [], "rest fix off": [], "quantised state only": []}
    for seed in range(424242, 424242 + args.seeds):
        noise = torch.randn(
            policy.chunk_size, policy.spec.max_dim, generator=torch.Generator().manual_seed(seed)
        )
        reference_state, sim = sim_state(args.task, seed, args.rest_steps)
        reference = first_chunk(policy, sim, reference_state, noise)
        for name, fix in (("rest fix on", True), ("rest fix off", False)):
            state, bus_sim = virtual_state(args.task, seed, args.rest_steps, fix)
            chunk = first_chunk(policy, bus_sim, state, noise)
            rows[name].append(
                (np.abs(state - reference_state).max(), np.abs(chunk - reference).max())
            )
        ticks = np.rint(
            reference_state[[0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]] / (2 * np.pi / 4096)
        )
        quantised = reference_state.copy()
        quantised[[0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]] = ticks * 2 * np.pi / 4096
        chunk = first_chunk(policy, sim, quantised, noise)
        rows["quantised state only"].append(
            (np.abs(quantised - reference_state).max(), np.abs(chunk - reference).max())
        )
    report = {
        name: {
            "state_max_rad": float(np.max([r[0] for r in values])),
            "first_chunk_max_rad": float(np.max([r[1] for r in values])),
            "first_chunk_mean_of_max_rad": float(np.mean([r[1] for r in values])),
        }
        for name, values in rows.items()
    }
    for name, values in report.items():
        print(f"{name:22s} " + ", ".join(f"{k} {v:.4f}" for k, v in values.items()))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
