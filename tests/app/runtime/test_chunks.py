import numpy as np

from app.runtime.chunks import ActionSchedule


def chunk(value: float, length: int = 10) -> np.ndarray:
    return np.full((length, 14), value, np.float32) + np.arange(length, dtype=np.float32)[:, None]


def test_steps_that_elapsed_during_inference_are_skipped() -> None:
    schedule = ActionSchedule()
    assert schedule.install(chunk(0.0), obs_tick=100, now_tick=103) == 3
    assert schedule.action(103)[0] == 3.0  # row 3 of the chunk: aligned to the observation
    assert schedule.action(109)[0] == 9.0
    assert schedule.action(110) is None  # ran out


def test_new_chunk_replaces_the_rest_of_the_old_one() -> None:
    schedule = ActionSchedule()
    schedule.install(chunk(0.0), obs_tick=0, now_tick=0)
    schedule.install(chunk(100.0), obs_tick=4, now_tick=6)
    assert schedule.action(6)[0] == 102.0
    assert len(schedule.ahead(6)) == 8


def test_blend_cross_fades_the_overlap_from_old_to_new() -> None:
    schedule = ActionSchedule(blend=True)
    schedule.install(np.zeros((10, 14)), obs_tick=0, now_tick=0)
    schedule.install(np.ones((10, 14)), obs_tick=5, now_tick=5)
    ahead = schedule.ahead(5)[:, 0]
    assert ahead[0] == 1 / 6 and ahead[4] == 5 / 6  # overlap of 5 ticks
    assert np.all(np.diff(ahead[:6]) > 0) and ahead[-1] == 1.0


def test_chunk_entirely_in_the_past_is_refused() -> None:
    schedule = ActionSchedule()
    assert schedule.install(chunk(0.0), obs_tick=0, now_tick=10) == -1
    assert schedule.empty
