"""The ALOHA robot TOML config: the example parses, mistakes are named."""

import pytest

from drivers.aloha_config import EXAMPLE, load_aloha_config, parse_aloha_config

PORTS = {"follower_left": "/dev/a", "follower_right": "/dev/b"}


def test_example_config_parses() -> None:
    config = load_aloha_config(EXAMPLE)
    assert set(config.arms) == {"follower_left", "follower_right", "leader_left", "leader_right"}
    assert config.followers["left"].gripper_profile == "aloha2"
    assert config.arms["leader_left"].calibration.endswith("calibration/leader_left.json")
    assert config.cameras["cam_high"] == {"type": "realsense", "serial": "000000000001"}


def test_robot_values_apply_to_every_arm_and_arms_override() -> None:
    config = parse_aloha_config(
        {"robot": {"safe_state": "hold"}, "ports": PORTS,
         "arms": {"follower_right": {"safe_state": "torque_off", "calibration": "/c.json"}}}
    )  # fmt: skip
    assert config.followers["left"].safe_state == "hold"
    assert config.followers["right"].safe_state == "torque_off"
    assert config.followers["right"].calibration == "/c.json"
    assert config.leaders == {}


def test_unknown_key_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown key\(s\) saf_state in \[robot\].*safe_state"):
        parse_aloha_config({"robot": {"saf_state": "hold"}, "ports": PORTS})


def test_followers_are_required() -> None:
    with pytest.raises(ValueError, match=r"\[ports\] needs follower_right"):
        parse_aloha_config({"ports": {"follower_left": "/dev/a"}})


def test_bad_safe_state_is_named() -> None:
    with pytest.raises(ValueError, match="safe_state must be one of"):
        parse_aloha_config({"robot": {"safe_state": "limp"}, "ports": PORTS})
