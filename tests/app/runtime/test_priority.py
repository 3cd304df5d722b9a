"""Control-thread scheduling: real-time where allowed, nice -5 or normal otherwise."""

import os
import threading

import pytest

from app.runtime import priority
from app.runtime.session import RobotSession
from tests.app.runtime.fakes import fake_robot, wait_until


def _refuse(*args, **kwargs):
    raise PermissionError(1, "Operation not permitted")


def test_realtime_refused_falls_back_to_nice(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", _refuse, raising=False)
    niced = []
    monkeypatch.setattr(priority, "set_thread_nice", lambda nice: niced.append(nice) or True)
    assert priority.set_thread_realtime(10) is False
    assert priority.raise_control_priority() == f"nice {priority.CONTROL_NICE}"
    assert niced == [priority.CONTROL_NICE]


def test_nothing_granted_is_normal(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", _refuse, raising=False)
    monkeypatch.setattr(os, "setpriority", _refuse, raising=False)
    assert priority.raise_control_priority() == "normal"


def test_realtime_off_never_asks_for_it(monkeypatch) -> None:
    asked = []
    monkeypatch.setattr(os, "sched_setscheduler", lambda *a: asked.append(a), raising=False)
    monkeypatch.setattr(priority, "set_thread_nice", lambda nice: True)
    assert priority.raise_control_priority(realtime=False) == f"nice {priority.CONTROL_NICE}"
    assert asked == []


def test_realtime_applies_to_the_calling_thread_only() -> None:
    if not hasattr(os, "SCHED_FIFO"):
        pytest.skip("no SCHED_FIFO on this OS")
    seen = {}

    def body() -> None:
        seen["granted"] = priority.set_thread_realtime(priority.CONTROL_RT_PRIORITY)
        seen["policy"] = os.sched_getscheduler(threading.get_native_id())

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    if not seen["granted"]:
        pytest.skip("real-time scheduling not permitted here")
    assert seen["policy"] == os.SCHED_FIFO
    assert os.sched_getscheduler(threading.get_native_id()) != os.SCHED_FIFO


def test_session_reports_the_loop_priority(monkeypatch) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", _refuse, raising=False)
    monkeypatch.setattr(os, "setpriority", _refuse, raising=False)
    session = RobotSession(fake_robot())
    session.start()
    try:
        wait_until(lambda: session.loop_priority is not None, what="loop priority")
        assert session.loop_priority == "normal"
        assert any("normal priority" in line for line in session.events.lines())
    finally:
        session.stop()
