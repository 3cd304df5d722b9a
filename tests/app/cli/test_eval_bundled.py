"""Two short closed-loop episodes per task with the bundled policy: the path works end to end."""

import json

import pytest

from app.cli.main import main


@pytest.mark.parametrize("task", ["transfer_cube", "insertion", "pick_color"])
def test_eval_with_the_bundled_policy(task: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--task", task, "--episodes", "2", "--checkpoint", "--json", "--replan", "50"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["task"] == task and result["episodes"] == 2
    assert 0 <= result["successes"] <= 2
    reached = list(result["stages_reached"].values())
    assert reached == sorted(reached, reverse=True) and reached[-1] == result["successes"]


@pytest.mark.slow
def test_eval_runs_in_real_time_through_the_virtual_aloha(capsys) -> None:
    argv = ["eval", "--task", "pick_color", "--episodes", "1", "--checkpoint", "--robot",
            "virtual", "--json"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["robot"] == "virtual" and result["episodes"] == 1
    assert result["seconds_per_episode"] > 0 and "stages_reached" in result
    assert result["execution"] == "rtc"  # as the app runs, not the lockstep default


def test_eval_on_a_robot_refuses_the_scripted_expert(capsys) -> None:
    argv = ["eval", "--task", "pick_color", "--episodes", "1", "--policy", "scripted", "--robot",
            "sim"]  # fmt: skip
    assert main(argv) == 2
    assert "lockstep" in capsys.readouterr().err


def test_eval_without_a_policy_option_runs_the_bundled_policy() -> None:
    from app.cli.eval import BUNDLED
    from app.cli.main import build_parser

    args = build_parser().parse_args(["eval", "--task", "pick_color"])
    assert args.checkpoint == BUNDLED and args.policy is None
    scripted = build_parser().parse_args(["eval", "--task", "pick_color", "--policy", "scripted"])
    assert scripted.policy == "scripted"


def test_eval_on_a_robot_at_a_set_latency_holds_every_chunk_to_it(monkeypatch, capsys) -> None:
    # --latency-ms used to be dropped with --robot: each robot ran at its own CPU's latency.
    from app.runtime import live_eval
    from drivers.sim.evaluate import EpisodeOutcome

    seen = {}

    def fake_live(kind, task, policy, episodes, *, runner, **_):
        seen.update(kind=kind, runner=runner)
        outcome = EpisodeOutcome(100_000, True, 150, 3.0, 6, 3, inference_ms=(120.0, 310.0))
        return live_eval.live_report(task, [outcome], ("a", "b"), runner)

    monkeypatch.setattr(live_eval, "evaluate_live", fake_live)
    argv = ["eval", "--task", "pick_color", "--episodes", "1", "--checkpoint", "--robot",
            "virtual", "--latency-ms", "300", "--json"]  # fmt: skip
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert seen["kind"] == "virtual" and seen["runner"].min_latency_ms == 300
    assert result["delay_ticks"] == 15 and result["latency_ms"] == 300
    assert result["chunks_late"] == 1 and result["chunks"] == 2
    assert result["inference_ms_max"] == 310.0

    monkeypatch.setattr(live_eval, "evaluate_live", fake_live)
    argv = ["eval", "--task", "pick_color", "--episodes", "1", "--checkpoint", "--robot", "sim",
            "--delay-ticks", "10", "--json"]  # fmt: skip
    assert main(argv) == 0
    assert seen["runner"].min_latency_ms == 200


@pytest.mark.slow
def test_eval_on_a_robot_prompts_each_episode_from_the_set(tmp_path) -> None:
    from app.cli.eval import prompt_phrase
    from app.runtime.live_eval import evaluate_live
    from tests.app.runtime.fakes import FakePolicy

    lines = tmp_path / "red.txt"
    lines.write_text("pick up the red cube\n")
    policy = FakePolicy()
    report = evaluate_live(
        "sim", "pick_color", policy, 1, seed=0, image_size=(48, 64),
        phrase=prompt_phrase("pick_color", str(lines)), prompt_set=str(lines),
    )  # fmt: skip
    assert {obs["prompt"] for obs in policy.requests} == {"pick up the red cube"}  # not green's
    summary = report.summary()["prompts"]
    assert summary["set"] == str(lines)
    assert summary["by_prompt"] == {"pick up the red cube": [0, 1]}
