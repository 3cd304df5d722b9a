"""Gripper conversions against values computed by hand from the published constants."""

import pytest

from drivers.dynamixel.gripper import GRIPPER_PROFILES, get_gripper_profile


def test_original_aloha_leader_angle_to_normalised() -> None:
    aloha = get_gripper_profile("aloha")
    # (0 - -0.6842) / (0.3083 - -0.6842) = 0.6842 / 0.9925
    assert aloha.leader_to_normalised(0.0) == pytest.approx(0.689370, abs=1e-6)


def test_original_aloha_leader_to_follower_angle() -> None:
    aloha = get_gripper_profile("aloha")
    # 0.689370 * (1.4910 - -0.6213) + -0.6213 = 0.834857
    assert aloha.leader_to_follower(0.0) == pytest.approx(0.834857, abs=1e-5)


def test_aloha2_normalised_to_follower_angle() -> None:
    aloha2 = get_gripper_profile("aloha2")
    # 0.25 * (1.6214 - 0.6197) + 0.6197 = 0.870125
    assert aloha2.normalised_to_follower(0.25) == pytest.approx(0.870125, abs=1e-6)


def test_aloha2_follower_angle_to_normalised() -> None:
    aloha2 = get_gripper_profile("aloha2")
    # (1.0 - 0.6197) / 1.0017 = 0.379655
    assert aloha2.follower_to_normalised(1.0) == pytest.approx(0.379655, abs=1e-6)


@pytest.mark.parametrize("name", sorted(GRIPPER_PROFILES))
def test_open_and_close_map_to_one_and_zero(name: str) -> None:
    profile = GRIPPER_PROFILES[name]
    assert profile.leader_to_normalised(profile.leader_open) == pytest.approx(1.0)
    assert profile.leader_to_follower(profile.leader_close) == pytest.approx(profile.follower_close)
    assert profile.normalised_to_leader(profile.leader_to_normalised(0.1)) == pytest.approx(0.1)


def test_unknown_profile_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: aloha, aloha2"):
        get_gripper_profile("aloha3")
