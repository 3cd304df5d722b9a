"""Before and after: the starting checkpoint and the result on the same seeds, every task."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pi0_core.train.compare import (
    AFTER,
    BEFORE,
    Comparison,
    compare_tasks,
    learned_tasks,
    worse_tasks,
)
from pi0_core.train.loop import train
from pi0_core.train.metrics import read_metrics
from tests.pi0_core.conftest import train_config
from tests.pi0_core.episodes import write_folder

CARD = "python main.py demos --task transfer_cube --episodes 5 --size 24x32 --compress\n"


@pytest.fixture
def known_init(tmp_path: Path, micro_init: Path) -> Path:
    """The micro checkpoint with a model card naming transfer_cube's demos."""
    import shutil

    copy = Path(shutil.copytree(micro_init, tmp_path / "known"))
    (copy / "README.md").write_text(CARD)
    return copy


def _config(tmp_path: Path, init: Path, **overrides):
    return train_config(tmp_path / "data", tmp_path / "out", init, **overrides)


def test_tasks_are_the_checkpoints_and_the_datas(tmp_path: Path, known_init: Path) -> None:
    prompts = ["pick up the red cube", "pick up the red cube"]
    assert compare_tasks(_config(tmp_path, known_init), prompts) == ("transfer_cube", "pick_color")


def test_no_simulated_data_and_no_eval_task_means_no_comparison(
    tmp_path: Path, known_init: Path
) -> None:
    assert compare_tasks(_config(tmp_path, known_init), ["fold the towel"]) == ()


def test_eval_task_adds_itself(tmp_path: Path, known_init: Path) -> None:
    config = _config(tmp_path, known_init, eval_task="insertion", eval_every=5)
    assert compare_tasks(config, ["fold the towel"]) == ("transfer_cube", "insertion")


def test_no_compare_turns_it_off(tmp_path: Path, known_init: Path) -> None:
    config = _config(tmp_path, known_init, compare=False)
    assert compare_tasks(config, ["pick up the red cube"]) == ()


def test_learned_tasks_do_not_depend_on_the_comparison(tmp_path: Path, known_init: Path) -> None:
    config = _config(tmp_path, known_init, compare=False)
    assert learned_tasks(config, ["put the red cube on the yellow square"]) == (
        "transfer_cube",
        "place_cube",
    )


def test_worse_tasks_are_those_that_fell() -> None:
    before = {"a": 0.8, "b": 0.5, "c": 0.4}
    assert worse_tasks(before, {"a": 0.7, "b": 0.5, "c": 0.9}) == ["a"]


def test_table_lists_both_rates() -> None:
    table = Comparison(("a",), 10, 7, before={"a": 0.8}, after={"a": 0.9}).table()
    assert "| a | 80% | 90% |" in table


def test_run_evaluates_before_and_after_on_the_same_seeds(
    tmp_path: Path, known_init: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def fake_evaluate(task, policy, episodes, seed=0, image_size=None):
        calls.append((task, episodes, seed))
        before = len(calls) <= 2
        return SimpleNamespace(success_rate={True: 0.6, False: 0.4}[before])

    fake = SimpleNamespace(evaluate=fake_evaluate, render_size_for=lambda policy: (24, 32))
    monkeypatch.setitem(sys.modules, "drivers.sim.evaluate", fake)
    write_folder(tmp_path / "data", episodes=1, steps=12)
    config = _config(
        tmp_path, known_init, steps=2, eval_task="insertion", eval_every=100, eval_episodes=3
    )
    train(config)

    tasks = [("transfer_cube", 3, 100_000), ("insertion", 3, 100_000)]
    assert calls == tasks + tasks
    records = read_metrics(tmp_path / "out")
    assert records[0] == {"step": 0, BEFORE: {"transfer_cube": 0.6, "insertion": 0.6}}
    assert records[-1][AFTER] == {"transfer_cube": 0.4, "insertion": 0.4}
    card = (tmp_path / "out/final/README.md").read_text()
    assert "| insertion | 60% | 40% |" in card
    assert "Worse than the starting checkpoint on transfer_cube, insertion" in card
    assert "- simulated tasks: transfer_cube\n" in card  # insertion was only evaluated
    assert "python main.py demos --task transfer_cube --episodes 5" in card


def test_resumed_run_reads_the_before_back(
    tmp_path: Path, known_init: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def fake_evaluate(task, policy, episodes, seed=0, image_size=None):
        calls.append(task)
        return SimpleNamespace(success_rate=0.5)

    fake = SimpleNamespace(evaluate=fake_evaluate, render_size_for=lambda policy: (24, 32))
    monkeypatch.setitem(sys.modules, "drivers.sim.evaluate", fake)
    write_folder(tmp_path / "data", episodes=1, steps=12)
    config = _config(tmp_path, known_init, steps=2, eval_task="insertion", eval_every=100)
    train(config, stop_at=1)
    train(config, resume_run=True)
    assert calls == ["transfer_cube", "insertion", "transfer_cube", "insertion"]
    assert "| transfer_cube | 50% | 50% |" in (tmp_path / "out/final/README.md").read_text()
