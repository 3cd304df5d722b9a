"""The episode layout agrees with the robot vector the drivers and the policy use."""

from drivers.arm import ARM_JOINTS, GRIPPERS
from pi0_core import adapters
from recordings import layout


def test_files_drivers_and_policy_agree_on_joint_order_and_grippers() -> None:
    assert layout.ARM_JOINTS == ARM_JOINTS
    assert layout.GRIPPER_COLUMNS == GRIPPERS == tuple(adapters.GRIPPERS) == (6, 13)
