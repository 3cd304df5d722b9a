"""Torch threads for CPU inference: the user's OMP_NUM_THREADS, else what the load leaves."""

from pi0_core import threads
from pi0_core.threads import cpu_threads


def test_omp_num_threads_is_used_as_given(monkeypatch) -> None:
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(threads.os, "cpu_count", lambda: 8)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert cpu_threads() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "nonsense")  # not a count: the load decides
    assert cpu_threads() == 8
    monkeypatch.delenv("OMP_NUM_THREADS")
    assert cpu_threads(processes=2) == 4
    monkeypatch.setattr(threads.os, "getloadavg", lambda: (7.5, 0.0, 0.0))
    assert cpu_threads() == 1  # a busy machine: one thread
