"""Closed-loop evaluation: chunks, re-planning, rendering only for observations."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.sim.evaluate import ChunkController, evaluate, render_size_for


class HoldStill:
    """A policy that always asks for the start pose, and counts what it was shown."""

    cameras = ("cam_high", "cam_right_wrist")

    def __init__(self, chunk: int = 50) -> None:
        self.chunk = chunk
        self.observations: list[dict] = []

    def infer(self, obs: dict) -> np.ndarray:
        self.observations.append(obs)
        from drivers.sim.world import AlohaSim

        return np.tile(AlohaSim.start_action(), (self.chunk, 1))


def test_policy_is_asked_every_replan_steps_and_sees_its_cameras(make_sim) -> None:
    sim = make_sim("pick_color", seed=1)
    policy = HoldStill()
    controller = ChunkController(policy, sim, replan=10, image_size=(24, 32))
    for step in range(35):
        sim.set_action(controller(step))
        sim.step()
    assert controller.calls == 4  # steps 0, 10, 20, 30
    obs = policy.observations[0]
    assert set(obs["images"]) == {"cam_high", "cam_right_wrist"}
    assert obs["images"]["cam_high"].shape == (24, 32, 3)
    assert obs["state"].shape == (14,)
    assert obs["prompt"] == sim.prompt and sim.target_color in obs["prompt"]


def test_a_short_chunk_is_replanned_when_it_runs_out(make_sim) -> None:
    sim = make_sim("pick_color")
    controller = ChunkController(HoldStill(chunk=5), sim, replan=25, image_size=(24, 32))
    for step in range(12):
        controller(step)
    assert controller.calls == 3


def test_renders_only_for_observations(make_sim, monkeypatch: pytest.MonkeyPatch) -> None:
    from drivers.sim.world import AlohaSim

    renders: list[str] = []
    original = AlohaSim.render
    monkeypatch.setattr(
        AlohaSim, "render", lambda self, cam, h, w: renders.append(cam) or original(self, cam, h, w)
    )
    policy = HoldStill(chunk=100)
    report = evaluate("pick_color", policy, 1, seed=2, replan=100, image_size=(24, 32))
    assert not report.outcomes[0].success
    assert set(report.stages_reached().values()) == {0}  # holding still reaches nothing
    assert len(policy.observations) == 3  # 300 steps / 100
    assert len(renders) == 3 * len(policy.cameras)


@pytest.mark.slow
def test_scripted_policy_succeeds_and_reports() -> None:
    report = evaluate("pick_color", None, 1, seed=7)
    summary = report.summary()
    assert summary["task"] == "pick_color" and summary["episodes"] == 1
    assert summary["successes"] == 1 and summary["success_rate"] == 1.0
    assert report.outcomes[0].steps < 300  # stops at the first success
    assert summary["stages_reached"] == {
        "right gripper touches the named cube": 1,
        "named cube lifted 5 cm": 1,
        "success": 1,
    }


def test_render_size_follows_the_policy_input() -> None:
    class Square:
        image_size = 224

    assert render_size_for(Square()) == (168, 224)
    assert render_size_for(object()) == (120, 160)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        evaluate("pick_color", None, 0)

    class Elsewhere(HoldStill):
        cameras = ("cam_ceiling",)

    with pytest.raises(ValueError, match="cam_ceiling"):
        evaluate("pick_color", Elsewhere(), 1)


def test_video_has_one_frame_per_step(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import imageio.v2 as imageio

    from drivers.sim import evaluate as evaluation

    monkeypatch.setattr(evaluation, "VIDEO_SIZE", (48, 64))
    report = evaluate("pick_color", HoldStill(), 1, seed=3, video_dir=tmp_path)
    video = tmp_path / "pick_color_seed3.mp4"
    with imageio.get_reader(video) as reader:
        frames = [frame for frame in reader]
    assert len(frames) == report.outcomes[0].steps == 300
    assert frames[0].shape == (48, 64, 3)


def test_eval_prompts_reach_the_policy_and_are_reported() -> None:
    from app.cli.eval import prompt_phrase
    from pi0_core.train.prompt_grammar import episode_prompt, task_of

    policy = HoldStill()
    phrase = prompt_phrase("pick_color", "held-out")
    report = evaluate(
        "pick_color", policy, 2, seed=7, image_size=(24, 32), phrase=phrase, prompt_set="held-out"
    )
    prompts = [obs["prompt"] for obs in policy.observations]
    assert set(prompts) == {outcome.prompt for outcome in report.outcomes}
    assert [task_of(o.prompt)[0] for o in report.outcomes] == ["pick_color"] * 2
    for outcome in report.outcomes:  # the episode's draw, naming the scene's own cube
        color = task_of(outcome.prompt)[1]
        assert outcome.prompt == episode_prompt("pick_color", "held-out", outcome.seed, color)
    summary = report.summary()["prompts"]
    assert summary["set"] == "held-out" and sum(n for _, n in summary["by_prompt"].values()) == 2


@pytest.mark.slow
def test_a_prompt_line_naming_another_cube_is_judged_on_that_cube(tmp_path) -> None:
    from app.cli.eval import prompt_phrase
    from drivers.sim.evaluate import run_one
    from drivers.sim.scripted import make_demonstrator
    from drivers.sim.world import AlohaSim

    lines = tmp_path / "red.txt"
    lines.write_text("pick up the red cube\n")
    judged = []

    class Expert:  # the scripted expert, of the cube the episode is judged on, as a controller
        calls, switch_ticks = 0, []

        def __init__(self, policy, sim, image_size, replan) -> None:
            judged.append(sim.target_color)
            self.script = make_demonstrator(sim)

        def __call__(self, step: int) -> np.ndarray:
            return self.script(step)

    with AlohaSim("pick_color", 0) as sim:
        assert sim.target_color == "green"  # the scene's own cube
        outcome = run_one(
            sim, HoldStill(), 0, phrase=prompt_phrase("pick_color", str(lines)),
            make_controller=Expert,
        )  # fmt: skip
        assert judged == ["red"] and outcome.prompt == "pick up the red cube"
        assert outcome.success  # the red cube lifted counts, as in the app
        assert sim.body_height("red_cube") > sim.body_height("green_cube") + 0.04
        sim.reset(0)
        assert sim.target_color == "green"  # the next episode is judged on its own again
