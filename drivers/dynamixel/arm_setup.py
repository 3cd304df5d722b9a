"""The connect-time steps of an ALOHA arm: check the servos, the calibration, the settings."""

from __future__ import annotations

import logging
from pathlib import Path

from drivers.dynamixel import control_table as ct
from drivers.dynamixel.aloha_spec import ArmSpec
from drivers.dynamixel.arm_config import ArmConfig
from drivers.dynamixel.bus import DynamixelBus
from drivers.dynamixel.calibration import (
    ArmCalibration,
    compare_calibration,
    load_calibration,
    read_calibration,
    write_calibration,
)
from drivers.dynamixel.errors import (
    CalibrationMismatchError,
    ServoMissingError,
    ServoTimeoutError,
)

log = logging.getLogger(__name__)


def check_servos(bus: DynamixelBus, spec: ArmSpec, config: ArmConfig) -> dict[int, ct.ServoModel]:
    """Every servo of `spec` answers, is the right model, and shadows follow their joint."""
    models = {}
    for servo in spec.servos:
        where = {"port": f"{config.name} ({config.port})", "servo_id": servo.id,
                 "joint": servo.joint}  # fmt: skip
        try:
            info = bus.ping(servo.id)
        except ServoTimeoutError:
            raise ServoMissingError(
                f"expected a {servo.model}, nothing answers; check power, cable and baud rate",
                **where,
            ) from None
        if info.model != servo.model:
            raise ServoMissingError(
                f"expected a {servo.model}, found {info.model} (wrong arm model?)", **where
            )
        models[servo.id] = ct.MODELS[info.model_number]
        if servo.shadow_of is not None:
            secondary = bus.read("Secondary_ID", servo.id)
            if secondary != servo.shadow_of:
                raise ServoMissingError(
                    f"shadow servo has Secondary_ID {secondary}, expected {servo.shadow_of} "
                    "(set it with Dynamixel Wizard so it follows its joint)",
                    **where,
                )
    return models


def check_calibration(bus: DynamixelBus, spec: ArmSpec, config: ArmConfig) -> ArmCalibration:
    """The servos' calibration, checked against (or, policy "apply", set from) the file."""
    current = read_calibration(bus, spec, config.name)
    path = config.calibration
    if not path:
        return current
    if not Path(path).expanduser().is_file():
        log.warning("%s: no calibration file %s; using the servo registers", config.name, path)
        return current
    wanted = load_calibration(path)
    differences = compare_calibration(wanted, current)
    if differences and config.calibration_policy == "apply":
        log.info("%s: writing calibration from %s", config.name, path)
        write_calibration(bus, wanted)
        current = read_calibration(bus, spec, config.name)
        differences = compare_calibration(wanted, current)
    if differences:
        shown = "; ".join(differences[:3]) + (" ..." if len(differences) > 3 else "")
        raise CalibrationMismatchError(
            f"calibration file {path} does not match the servos ({len(differences)} "
            f'differences: {shown}); recalibrate, or set calibration_policy = "apply"',
            differences=differences,
            port=f"{config.name} ({config.port})",
        )
    return current


def configure(
    bus: DynamixelBus, spec: ArmSpec, config: ArmConfig, models: dict[int, ct.ServoModel]
) -> None:
    """Return delay 0, position mode for the joints, the gripper's current limit or spring."""
    for servo in spec.servos:
        write_if_different(bus, "Return_Delay_Time", servo.id, 0)
    *joint_ids, gripper_id = spec.primary_ids
    for servo_id in joint_ids:
        write_if_different(bus, "Operating_Mode", servo_id, ct.POSITION_MODE)
    unit_ma = models[gripper_id].current_unit_ma
    follower = config.role == "follower"
    if unit_ma is not None:
        write_if_different(bus, "Operating_Mode", gripper_id, ct.CURRENT_BASED_POSITION_MODE)
        if follower:
            limit = round(config.gripper_current_limit_ma / unit_ma)
            write_if_different(bus, "Current_Limit", gripper_id, limit)
        else:
            limit = bus.read("Current_Limit", gripper_id)
            limit = max(1, round(limit * config.leader_gripper_spring))
        bus.write("Goal_Current", gripper_id, limit)
        return
    # No current sensing (XL430): the leader's spring is a position goal with limited PWM.
    write_if_different(bus, "Operating_Mode", gripper_id, ct.POSITION_MODE)
    if not follower:
        pwm = bus.read("PWM_Limit", gripper_id)
        bus.write("Goal_PWM", gripper_id, max(1, round(pwm * config.leader_gripper_spring)))


def write_if_different(bus: DynamixelBus, name: str, servo_id: int, value: int) -> None:
    """Write a register only when it differs (EEPROM wears out)."""
    if bus.read(name, servo_id) != value:
        bus.write(name, servo_id, value)
