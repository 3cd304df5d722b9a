"""Fixtures: a virtual ALOHA bus on ptys, and arms of the real driver connected to it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from drivers.dynamixel.aloha_arm import AlohaArm
from drivers.dynamixel.arm_config import ArmConfig
from drivers.virtual_bus import VirtualAloha


@pytest.fixture
def virtual_aloha() -> Iterator[VirtualAloha]:
    """A static virtual ALOHA (ideal servos), stopped after the test."""
    with VirtualAloha("static") as virtual:
        yield virtual


# Wait this long for a reply, not dynamixel-sdk's ~34 ms: the virtual bus is Python threads
# on a test machine that may be busy with other work.
REPLY_TIMEOUT_MS = 100.0


def arm_config(role: str, port: str, **options: object) -> ArmConfig:
    """An ArmConfig with the test reply timeout."""
    return ArmConfig(role, port, **({"min_reply_timeout_ms": REPLY_TIMEOUT_MS} | options))  # type: ignore[arg-type]


@pytest.fixture
def connect_arm(virtual_aloha: VirtualAloha) -> Iterator[Callable[..., AlohaArm]]:
    """Connect an AlohaArm of the real driver to one virtual port; disconnected afterwards."""
    arms: list[AlohaArm] = []

    def connect(role: str, **options: object) -> AlohaArm:
        arm = AlohaArm(arm_config(role, virtual_aloha.ports[role], **options))
        arm.connect()
        arms.append(arm)
        return arm

    yield connect
    for arm in arms:
        arm.disconnect()


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes (the virtual bus runs in threads)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def settle(arm: AlohaArm) -> None:
    """Wait until the virtual bus has handled every packet sent so far (writes get no reply).

    The bus answers packets in order, so once a ping is answered, all before it were handled.
    """
    arm.bus.ping(arm.spec.primary_ids[0])
