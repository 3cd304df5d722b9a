"""`main.py binding`: which cube a policy's first chunk heads for, per colour named."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.cli.main import main
from drivers.sim.binding import RIGHT_ARM, check_binding, expert_action
from drivers.sim.world import AlohaSim

STEP = 30


class _ExpertPolicy:
    """A policy that answers with the scripted expert of one colour: the one its prompt
    names, or always `fixed` (a policy that ignores the prompt)."""

    chunk_size = 50
    cameras = ("cam_high",)
    camera_size = (24, 32)
    spec = type("Spec", (), {"max_dim": 32})

    def __init__(self, seeds: list[int], fixed: str | None = None) -> None:
        self.fixed = fixed
        self.seeds = iter(seeds)  # the layout of each observation, in order
        self.seed: int | None = None
        self.prompts = 0
        self.sim = AlohaSim("pick_color")

    def infer(self, observation: dict, noise: object = None) -> np.ndarray:
        assert observation["images"]["cam_high"].shape == (24, 32, 3)
        if self.prompts % 3 == 0:
            self.seed = next(self.seeds)
        self.prompts += 1
        color = self.fixed or observation["prompt"].split()[-2]  # "pick up the red cube"
        chunk = np.zeros((self.chunk_size, 14), dtype=np.float32)
        chunk[STEP] = expert_action(self.sim, self.seed, color, STEP)
        return chunk


@pytest.mark.slow
def test_a_policy_following_the_prompt_fills_the_diagonal() -> None:
    policy = _ExpertPolicy([7, 8])
    report = check_binding(policy, layouts=2, seed=7, step=STEP)
    assert report.colors == ("red", "green", "blue")
    assert (report.matrix == 2 * np.eye(3, dtype=int)).all()
    assert (report.correct, report.total) == (6, 6)
    policy.sim.close()


@pytest.mark.slow
def test_a_policy_ignoring_the_prompt_fills_one_column() -> None:
    policy = _ExpertPolicy([7, 8], fixed="blue")
    report = check_binding(policy, layouts=2, seed=7, step=STEP)
    assert report.matrix[:, 2].tolist() == [2, 2, 2] and report.correct == 2
    assert report.summary()["matrix"] == report.matrix.tolist()
    policy.sim.close()


def test_the_experts_of_different_colours_differ_by_the_step_compared() -> None:
    with AlohaSim("pick_color") as sim:
        experts = [
            expert_action(sim, 7, color, STEP)[RIGHT_ARM] for color in ("red", "green", "blue")
        ]
    gaps = [np.abs(a - b).sum() for i, a in enumerate(experts) for b in experts[i + 1 :]]
    assert min(gaps) > 0.05  # radians summed over the arm: the nearest one is meaningful


@pytest.mark.slow
def test_binding_of_the_bundled_policy_prints_a_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["binding", "--layouts", "1", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("pick_color, chunk step 49: heads for the named cube in ")
    assert lines[1].split() == ["named", "->", "red", "->", "green", "->", "blue"]
    summary = json.loads(lines[-1])
    assert summary["prompts"] == 3 and np.array(summary["matrix"]).sum(axis=1).tolist() == [1] * 3


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layouts", "0"], "--layouts must be at least 1"),
        (["--checkpoint", "/no/such/dir"], "no checkpoint directory"),
        (["--step", "50"], "--step must be in [0, 49]"),
    ],
)
def test_binding_bad_input_is_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["binding", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1


class _ReadingPolicy(_ExpertPolicy):
    """The expert of the colour its prompt names, read from any phrasing; records prompts."""

    def infer(self, observation: dict, noise: object = None) -> np.ndarray:
        from pi0_core.train.prompt_grammar import task_of

        self.seen = [*getattr(self, "seen", []), observation["prompt"]]
        colour = task_of(observation["prompt"])[1]
        return super().infer({**observation, "prompt": f"pick up the {colour} cube"}, noise)


@pytest.mark.slow
def test_binding_prompts_with_the_set_it_is_given() -> None:
    from app.cli.eval import prompt_phrase
    from pi0_core.train.prompt_grammar import episode_prompt

    policy = _ReadingPolicy([7])
    phrase = prompt_phrase("pick_color", "held-out")
    report = check_binding(policy, layouts=1, seed=7, step=STEP, phrase=phrase)
    assert (report.correct, report.total) == (3, 3)
    assert policy.seen == [episode_prompt("pick_color", "held-out", 7, c) for c in report.colors]
    policy.sim.close()
