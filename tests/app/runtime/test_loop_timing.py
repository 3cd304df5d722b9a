import threading
import time

from app.runtime.loop_timing import Pacer


def test_pacer_counts_ticks_and_period_statistics() -> None:
    pacer, stop = Pacer(200.0), threading.Event()
    for _ in range(10):
        pacer.begin_tick()
        pacer.wait_next(stop)
    stats = pacer.stats()
    assert stats.ticks == 10
    assert stats.period_p50_ms > 0 and stats.period_max_ms >= stats.period_p99_ms


def test_work_longer_than_a_period_counts_an_overrun_and_skips_missed_deadlines() -> None:
    pacer, stop = Pacer(100.0), threading.Event()
    pacer.begin_tick()
    time.sleep(0.035)  # three and a half periods
    pacer.wait_next(stop)
    assert pacer.overruns == 1
    assert pacer.skipped >= 2
