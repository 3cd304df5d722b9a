"""The event log appends each session event once, though snapshots resend a sliding window."""

from app.ui.event_log import EventLog


def test_sliding_window_lines_are_appended_once(qtbot):
    log = EventLog()
    qtbot.addWidget(log)
    log.show_events(("a", "b"))
    log.show_events(("a", "b"))
    log.show_events(("b", "c", "d"))
    log.show_events(("d", "d"))
    assert log.lines() == ["a", "b", "c", "d", "d"]
