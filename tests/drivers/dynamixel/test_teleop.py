"""Leader -> follower teleoperation: the mapping, and end to end through the simulated bus."""

import numpy as np
import pytest

from drivers.dynamixel.aloha_robot import make_virtual_robot
from drivers.dynamixel.gripper import get_gripper_profile
from drivers.dynamixel.teleop import TeleopMapping, leader_to_follower_angles, teleop_step

SIDES = ("left", "right")
ARM_JOINTS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12]  # the 12 joints, grippers left out


def test_mapping_passes_leader_values_through() -> None:
    leaders = np.linspace(-1, 1, 14)
    assert np.allclose(TeleopMapping()(leaders), leaders)


def test_mapping_limits_the_change_per_step() -> None:
    mapping = TeleopMapping(max_joint_step=0.1, max_gripper_step=0.05)
    action = mapping(np.ones(14), previous=np.zeros(14))
    expected = np.full(14, 0.1)
    expected[[6, 13]] = 0.05
    assert np.allclose(action, expected)


def test_leader_gripper_angle_maps_to_follower_angle() -> None:
    profile = get_gripper_profile("aloha2")
    angles = leader_to_follower_angles(np.array([0.1, 0, 0, 0, 0, 0, 0.8298]), profile)
    assert angles[0] == pytest.approx(0.1)
    assert angles[6] == pytest.approx(1.6214)


def test_mapping_rejects_a_non_positive_limit() -> None:
    with pytest.raises(ValueError, match="max_joint_step"):
        TeleopMapping(max_joint_step=0.0)


@pytest.mark.slow
def test_simulated_followers_follow_the_leaders_within_a_few_steps() -> None:
    robot = make_virtual_robot("transfer_cube", cameras=(), realtime=False)
    leaders, followers = [], []
    with robot:
        bus = robot.virtual_bus
        action = None
        for _ in range(60):
            bus.step()  # 20 ms of simulation; the leaders replay the scripted demonstration
            leaders.append(np.concatenate([robot.leaders[s].read_state().qpos for s in SIDES]))
            followers.append(bus.sim.qpos())
            action = teleop_step(robot, TeleopMapping(), action)
    leaders, followers = np.array(leaders)[:, ARM_JOINTS], np.array(followers)[:, ARM_JOINTS]
    assert np.abs(leaders[-1] - leaders[0]).max() > 0.5  # the leaders really moved
    # After the first fast swing of the demonstration, each follower pose is one the leaders
    # held at most 3 steps (60 ms) earlier, to within 0.1 rad on every joint.
    for step in range(25, 60):
        lag_errors = [np.abs(followers[step] - leaders[step - lag]).max() for lag in range(4)]
        assert min(lag_errors) < 0.1, f"step {step}: {lag_errors}"
