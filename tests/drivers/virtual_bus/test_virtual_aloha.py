"""The virtual ALOHA in real time: the sim backend steps itself; cameras render its scene."""

import os

import numpy as np
import pytest

from drivers.dynamixel.aloha_robot import make_virtual_robot
from drivers.virtual_bus import VirtualAloha, backends
from drivers.virtual_bus.faults import Fault
from tests.drivers.dynamixel.conftest import wait_until


def test_ports_are_four_ptys_linked_by_role(tmp_path) -> None:
    with VirtualAloha("static", link_dir=tmp_path) as virtual:
        ports = virtual.ports
        assert sorted(ports) == ["follower_left", "follower_right", "leader_left", "leader_right"]
        assert all(os.path.realpath(path).startswith("/dev/pts/") for path in ports.values())
    assert not (tmp_path / "leader_left").exists()


def test_unknown_backend_and_fault_are_refused() -> None:
    with pytest.raises(ValueError, match="choose one of static, sim"):
        VirtualAloha("physics")
    with pytest.raises(ValueError, match="unknown fault"):
        Fault("on fire", 1)


@pytest.mark.slow
def test_realtime_sim_moves_the_leaders_and_renders() -> None:
    robot = make_virtual_robot("transfer_cube", cameras=("cam_high",), image_size=(48, 64))
    with robot:
        backend = robot.virtual_bus.backend
        start, steps = robot.leaders["right"].read_state().qpos, backend.steps_done
        assert wait_until(lambda: backend.steps_done > steps + 20, timeout=30)
        moved = robot.leaders["right"].read_state().qpos
        assert wait_until(lambda: robot.cameras["cam_high"].read_latest() is not None, timeout=30)
        frame = robot.cameras["cam_high"].read_latest()
    assert np.abs(moved - start).max() > 0.005  # a few ticks: the demonstration goes on
    assert frame.image.shape == (48, 64, 3) and frame.image.std() > 0


def test_a_late_sim_thread_still_simulates_every_commanded_period(monkeypatch) -> None:
    """The world's time keeps up with the loop's: goals that arrive while the stepping thread
    is held up (a busy CPU) are each a step once it runs, not one step for all of them."""
    monkeypatch.setattr(backends, "WAIT_FOR_COMMAND", 1e6)  # no steps but commanded ones
    robot = make_virtual_robot("transfer_cube", cameras=(), image_size=(48, 64))
    with robot:
        backend = robot.virtual_bus.backend
        for arm in robot.followers.values():
            arm.connect()
        goal = {side: arm.read_state().qpos for side, arm in robot.followers.items()}
        with backend._lock:  # the stepping thread cannot step while this is held
            before = backend.steps_done
            for _ in range(10):  # as the control loop does: read both, then write both
                for arm in robot.followers.values():
                    arm.read_state()
                for side, arm in robot.followers.items():
                    arm.send_action(goal[side])
        assert wait_until(lambda: backend.steps_done >= before + 10, timeout=10)
        assert backend.steps_done <= before + 12  # one for each period, not more
