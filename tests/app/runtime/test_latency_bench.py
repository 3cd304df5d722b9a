"""`main.py bench --latency`: one cell on the simulator, the table, and one-line errors."""

import numpy as np
import pytest

from app.cli.main import main
from app.runtime.latency_bench import Cell, run_cell, switch_step_ratio, table_lines


class Still:
    """Asks for the observed state for a whole chunk."""

    cameras = ("cam_high",)

    def infer(self, obs: dict, **rtc) -> np.ndarray:
        return np.tile(obs["state"], (50, 1))


def cell(mode: str, delay: int, successes: int, step: float) -> Cell:
    return Cell("pick_color", delay, mode, 10, successes, step, 100.0, 1.0)


def test_a_cell_evaluates_its_mode_guidance_and_delay_on_unseen_seeds(monkeypatch) -> None:
    import drivers.sim.evaluate as evaluate_module
    from drivers.sim.evaluate import EpisodeOutcome, EvalReport

    seen = {}

    def fake_evaluate(task, policy, episodes, **options):
        seen.update(options, task=task, episodes=episodes)
        outcome = EpisodeOutcome(options["seed"], True, 10, 0.1, 1, 3, 0.02, 50.0)
        return EvalReport(task, (outcome,) * episodes)

    monkeypatch.setattr(evaluate_module, "evaluate", fake_evaluate)
    result = run_cell(Still(), "pick_color", 3, "rtc-jf", 2)
    assert (result.execution, result.delay_ticks, result.successes) == ("rtc-jf", 3, 2)
    assert result.max_switch_step == 0.02 and seen["seed"] >= 100_000
    controller = seen["controller"](Still(), None, (8, 8), 25)
    config = controller.execution.config
    assert (config.mode, config.guidance, controller.delay_ticks) == ("rtc", "jacobian-free", 3)


def test_table_shows_success_and_switch_step_per_delay_and_mode() -> None:
    cells = [cell("naive", 10, 5, 0.09), cell("rtc", 10, 8, 0.03)]
    assert switch_step_ratio(cells, "pick_color", 10) == pytest.approx(0.333, abs=1e-3)
    lines = table_lines(cells)
    assert lines[2] == "| delay (ticks / ms) | naive | rtc | rtc/naive step |"
    assert lines[4] == "| 10 / 200 | 50 / 0.090 | 80 / 0.030 | 0.33 |"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--modes", "smooth"], "unknown mode"),
        (["--episodes", "0"], "at least 1"),
        (["--tasks", "stack_cups"], "unknown task"),
    ],
)
def test_bad_options_are_one_line_errors(argv, message, capsys) -> None:
    assert main(["bench", "--latency", *argv]) != 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]
