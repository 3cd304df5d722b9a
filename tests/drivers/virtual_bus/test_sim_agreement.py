"""The virtual ALOHA agrees with the simulator: same command sequence, same states; the virtual
leaders, read through the real driver, give the scripted demonstration's actions."""

import numpy as np
import pytest

from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.arm_config import ArmConfig
from drivers.dynamixel.units import RAD_PER_TICK
from drivers.sim.rollout import run_scripted
from drivers.sim.world import AlohaSim
from drivers.virtual_bus import VirtualAloha

pytestmark = pytest.mark.slow

TASK, SEED, STEPS = "transfer_cube", 3, 150  # reach, grasp and lift with the right arm
REPLY_MS = 300  # the bus is Python threads in this process, on a possibly busy machine
JOINTS = [i for i in range(14) if i not in (6, 13)]


def connected(bus: VirtualAloha, roles: tuple[str, str]) -> list[AlohaArm]:
    arms = [
        AlohaArm(ArmConfig(role, bus.ports[role], min_reply_timeout_ms=REPLY_MS)) for role in roles
    ]
    for arm in arms:
        arm.connect()
    return arms


def read(arms: list[AlohaArm]) -> np.ndarray:
    return np.concatenate([arm.read_state().qpos for arm in arms])


@pytest.fixture(scope="module")
def demo():
    return run_scripted(AlohaSim(TASK, SEED), SEED)


def test_the_same_commands_give_the_same_states_within_the_servo_resolution(demo) -> None:
    sim = AlohaSim(TASK, SEED)
    sim.reset(SEED)
    errors = []
    with VirtualAloha("sim", TASK, seed=SEED, realtime=False) as bus:
        bus.reset(SEED)
        arms = connected(bus, ("follower_left", "follower_right"))
        for action in demo.action[:STEPS]:
            arms[0].send_action(action[:7])
            arms[1].send_action(action[7:])
            for arm in arms:
                arm.bus.ping(arm.spec.primary_ids[0])  # every write handled before the step
            bus.step()
            sim.set_action(action)
            sim.step()
            errors.append(np.abs(read(arms) - sim.qpos()))
        for arm in arms:
            arm.disconnect()
    errors = np.array(errors)
    assert errors[:, JOINTS].max() < 2 * RAD_PER_TICK  # 3 mrad: a goal and a reading rounded
    assert errors[:, [6, 13]].max() < 0.02  # normalised gripper opening


def test_teleoperation_on_the_virtual_bus_records_the_scripted_demonstration(demo) -> None:
    """Leaders replaying the expert, read and sent through the driver as teleop does, record
    the same actions and follower states as the simulator's scripted demonstration."""
    actions, states = [], []
    with VirtualAloha("sim", TASK, seed=SEED, realtime=False) as bus:
        bus.reset(SEED)
        leaders = connected(bus, ("leader_left", "leader_right"))
        followers = connected(bus, ("follower_left", "follower_right"))
        for _ in range(STEPS):
            states.append(read(followers))
            action = read(leaders)
            actions.append(action)
            followers[0].send_action(action[:7])
            followers[1].send_action(action[7:])
            for arm in followers:
                arm.bus.ping(arm.spec.primary_ids[0])
            bus.step()
        for arm in (*leaders, *followers):
            arm.disconnect()
    action_error = np.abs(np.array(actions) - demo.action[:STEPS])
    state_error = np.abs(np.array(states) - demo.qpos[:STEPS])
    assert action_error[:, JOINTS].max() <= 2 * RAD_PER_TICK  # the leader's encoder
    assert action_error[:, [6, 13]].max() < 0.01
    assert state_error[:, JOINTS].max() < 3 * RAD_PER_TICK
    assert state_error[:, [6, 13]].max() < 0.02


def test_an_unpowered_follower_rests_in_the_start_pose_as_the_simulator_does() -> None:
    sim = AlohaSim(TASK, SEED)
    sim.reset(SEED)
    with VirtualAloha("sim", TASK, seed=SEED, realtime=False) as bus:
        bus.reset(SEED)
        for _ in range(25):  # half a second before the driver connects and turns torque on
            bus.step()
            sim.set_action(sim.start_action())
            sim.step()
        arms = connected(bus, ("follower_left", "follower_right"))
        at_rest = read(arms)
        for arm in arms:
            arm.disconnect()
    error = np.abs(at_rest - sim.qpos())
    assert error[JOINTS].max() < 2 * RAD_PER_TICK  # it did not sag while unpowered


def test_after_a_scene_reset_the_followers_read_the_start_pose_at_once(demo) -> None:
    """A reset puts the simulated arms back in the start pose; the servos report it before
    the next step, so a loop holding 'where the arm is' does not drive it back."""
    with VirtualAloha("sim", TASK, seed=SEED, realtime=False) as bus:
        bus.reset(SEED)
        arms = connected(bus, ("follower_left", "follower_right"))
        for action in demo.action[:60]:  # somewhere away from the start pose
            arms[0].send_action(action[:7])
            arms[1].send_action(action[7:])
            read(arms)
            bus.step()
        moved = read(arms)
        bus.reset(SEED + 1)
        after = read(arms)
        start = bus.sim.qpos()
        for arm in arms:
            arm.disconnect()
    assert np.abs(moved - start)[JOINTS].max() > 0.1
    assert np.abs(after - start)[JOINTS].max() < 2 * RAD_PER_TICK
