"""The bundled policy in closed loop through the real driver on the virtual bus, in lockstep.

The virtual bus is stepped by hand (no real time, no threads racing): each step the follower
state is read through the driver, the policy's chunk (asked every 25 steps, as `main.py eval`
does) is sent through it, and the bus steps the simulator once. Compared with `main.py eval
--task T --episodes N --checkpoint` on the same seeds, it says whether the driver's units and
the virtual servos agree with the simulator in closed loop (docs/virtual-vs-sim.md).

    python scripts/virtual_lockstep.py --task pick_color --episodes 20
"""

from __future__ import annotations

import argparse

import numpy as np

from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.arm_config import ArmConfig
from drivers.sim.evaluate import DEFAULT_REPLAN, render_size_for, run_one
from drivers.virtual_bus import VirtualAloha
from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.policy import Policy

ROLES = ("follower_left", "follower_right")


class DriverSim:
    """The bus's simulator, with the follower state read and the commands sent by the driver."""

    def __init__(self, bus: VirtualAloha, arms: list[AlohaArm]) -> None:
        self.__dict__.update(bus=bus, arms=arms, inner=bus.sim)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def __setattr__(self, name: str, value) -> None:
        setattr(self.inner, name, value)

    def reset(self, seed: int) -> None:
        self.bus.reset(seed)
        for arm in self.arms:  # hold where the reset put the arm
            arm.send_action(arm.read_state().qpos)

    def qpos(self) -> np.ndarray:
        return np.concatenate([arm.read_state().qpos for arm in self.arms])

    def set_action(self, action: np.ndarray) -> None:
        self.arms[0].send_action(action[:7])
        self.arms[1].send_action(action[7:])
        for arm in self.arms:  # a write has been handled once the next read is answered
            arm.read_state()

    def step(self) -> None:
        self.bus.step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="pick_color")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=100_000)
    args = parser.parse_args()
    policy = Policy.load(BUNDLED_CHECKPOINT)
    size = render_size_for(policy)
    successes = 0
    with VirtualAloha("sim", args.task, seed=args.seed, realtime=False) as bus:
        arms = [AlohaArm(ArmConfig(r, bus.ports[r], min_reply_timeout_ms=300)) for r in ROLES]
        for arm in arms:
            arm.connect()
        sim = DriverSim(bus, arms)
        for seed in range(args.seed, args.seed + args.episodes):
            outcome = run_one(sim, policy, seed, DEFAULT_REPLAN, size)
            successes += outcome.success
            print(f"seed {seed}: {'success' if outcome.success else 'failure'}", flush=True)
        for arm in arms:
            arm.disconnect()
    print(f"{args.task} through the driver, lockstep: {successes}/{args.episodes}")


if __name__ == "__main__":
    main()
