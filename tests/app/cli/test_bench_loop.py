"""`bench --loop` end to end for two seconds: it reports the loop and says how it was scheduled."""

import json

import pytest

from app.cli.main import main


def test_loop_bench_reports_its_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--loop", "--seconds", "2", "--cameras", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["error"] is None and result["ticks"] > 0
    assert result["recorded_frames"] > 0
    assert result["period_p50_ms"] > 0 and result["period_p99_ms"] >= result["period_p50_ms"]
    assert result["loop_priority"] in {"real-time (SCHED_FIFO 10)", "nice -5", "normal"}
    assert 0 < result["estop_p50_ms"] <= result["estop_max_ms"]  # measured e-stops, in ms


def test_loop_bench_refuses_absurd_camera_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "--loop", "--seconds", "1", "--cameras", "9"]) == 2
    assert "--cameras" in capsys.readouterr().err
