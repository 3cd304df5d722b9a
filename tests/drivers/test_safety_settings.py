"""The [safety] table of the robot TOML: parsed, checked, and never wider than the arm model."""

import pytest

from drivers.aloha_config import parse_aloha_config

PORTS = {"follower_left": "/dev/a", "follower_right": "/dev/b"}


def config(safety: dict):
    return parse_aloha_config({"ports": PORTS, "safety": safety}, source="robot.toml")


def test_a_good_table_is_read_per_arm() -> None:
    settings = config(
        {
            "watchdog_s": 0.2,
            "estop_action": "torque_off",
            "out_of_range_ticks": 5,
            "follower_left": {"range": {"shoulder": [-1.0, 1.0]}, "speed": {"gripper": 2.0}},
        }
    ).safety
    assert settings.watchdog_s == 0.2 and settings.estop_action == "torque_off"
    assert settings.out_of_range_ticks == 5
    assert settings.arms["follower_left"].ranges == {"shoulder": (-1.0, 1.0)}
    assert settings.arms["follower_left"].speeds == {"gripper": 2.0}


@pytest.mark.parametrize(
    ("safety", "message"),
    [
        ({"watchdog_s": 0}, "watchdog_s must be positive"),
        ({"watchdog_s": "fast"}, "watchdog_s must be a finite number"),
        ({"estop_action": "explode"}, "estop_action must be one of"),
        ({"out_of_range_ticks": 0}, "out_of_range_ticks must be an integer"),
        ({"allow_uncalibrated": "yes"}, "allow_uncalibrated must be true or false"),
        ({"brakes": True}, "unknown key"),
        ({"leader_left": {}}, "unknown key"),  # no such arm in this config
        ({"follower_left": {"range": {"knee": [0, 1]}}}, "unknown joint"),
        ({"follower_left": {"range": {"elbow": [1, 0]}}}, "is not below upper"),
        ({"follower_left": {"range": {"elbow": [0.5]}}}, r"\[lower, upper\]"),
        ({"follower_left": {"speed": {"elbow": -1}}}, "must be positive"),
        ({"follower_left": {"torque": 1}}, "unknown key"),
    ],
)
def test_bad_values_are_refused_in_one_line(safety: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message) as error:
        config(safety)
    assert "\n" not in str(error.value) and "robot.toml" in str(error.value)


def test_a_range_may_narrow_but_never_widen_the_arm_model() -> None:
    with pytest.raises(ValueError, match="wider than the arm's own.*only narrow"):
        config({"follower_left": {"range": {"shoulder": [-2.5, 1.0]}}})  # URDF: -1.85


def test_a_speed_may_drop_but_never_rise_above_the_servo() -> None:
    with pytest.raises(ValueError, match="above the servo's rated 3.14"):
        config({"follower_right": {"speed": {"elbow": 5.0}}})  # XM540-W270: 30 rpm
