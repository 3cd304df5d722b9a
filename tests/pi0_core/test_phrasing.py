"""A prompt in the user's words said to the bundled policy in the phrasing it was trained on."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from drivers.sim.tasks import TASKS
from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.phrasing import PromptPhrasing, plain
from pi0_core.policy import Policy
from pi0_core.train.prompt_grammar import COLOURS, GRAMMARS

CARD = "- simulated tasks: transfer_cube, pick_color, insertion\n"


@pytest.fixture(scope="module")
def phrasing() -> PromptPhrasing:
    found = PromptPhrasing.from_card(CARD)
    assert found is not None
    return found


def test_plain_keeps_words_only() -> None:
    assert plain("  Pick up the RED cube!! ") == "pick up the red cube"


def test_trained_phrasings_are_said_as_trained(phrasing: PromptPhrasing) -> None:
    assert phrasing("Take the green one.") == "take the green one"
    assert phrasing("PASS THE CUBE FROM RIGHT TO LEFT") == "pass the cube from right to left"
    assert phrasing("put the red peg into the blue socket") == (
        "put the red peg into the blue socket"
    )


@pytest.mark.parametrize("which", ["train", "held-out"])
@pytest.mark.parametrize("task", sorted(GRAMMARS))
def test_every_grammar_phrasing_is_said_as_its_task(
    phrasing: PromptPhrasing, task: str, which: str
) -> None:
    rng = np.random.default_rng(3)
    for index in range(60):
        color = COLOURS[index % 3] if task == "pick_color" else ""
        typed = GRAMMARS[task].draw(rng, which, color)
        told = phrasing(typed)
        trained = {p.format(color=color) for p in TASKS[task].prompts}
        assert told in trained, (typed, told)
        if plain(typed) not in {plain(p) for p in trained}:
            assert told == TASKS[task].prompts[0].format(color=color)


def test_the_issues_prompts_name_their_cube(phrasing: PromptPhrasing) -> None:
    assert phrasing("please pick up the red cube") == "pick up the red cube"
    assert phrasing("raise the green block") == "pick up the green cube"
    assert phrasing("could you lift the blue cube") == "pick up the blue cube"
    assert phrasing("get me the blue one") == "pick up the blue cube"


@pytest.mark.parametrize(
    "typed",
    [
        "don't pick up the red cube",
        "never lift the blue block",
        "pick up the red cube and the green cube",  # two colours: which one?
        "lift the red thing",  # no object word the grammar knows
        "put the red cube on the yellow square",  # place_cube: not a task of this card
        "wave hello",
    ],
)
def test_what_it_cannot_tell_goes_as_typed(phrasing: PromptPhrasing, typed: str) -> None:
    assert phrasing(typed) == typed


def test_only_the_cards_tasks_are_rephrased() -> None:
    only_pick = PromptPhrasing.from_card("- simulated tasks: pick_color\n")
    assert only_pick("go ahead and insert the peg into the socket") == (
        "go ahead and insert the peg into the socket"
    )
    assert PromptPhrasing.from_card("a checkpoint from openpi") is None
    assert PromptPhrasing.from_card("- simulated tasks: place_cube\n") is None
    with pytest.raises(ValueError, match="at least one task"):
        PromptPhrasing({})


@pytest.fixture(scope="module")
def bundled() -> Policy:
    return Policy.load(BUNDLED_CHECKPOINT, device="cpu")


def _observation(policy: Policy, prompt: str) -> dict:
    return policy.blank_observation() | {"prompt": prompt}


def test_the_network_is_given_the_told_prompt(bundled: Policy) -> None:
    typed = bundled.prepare([_observation(bundled, "Hey robot, fetch that red box!")])
    trained = bundled.prepare([_observation(bundled, "pick up the red cube")])
    for key in trained:
        assert torch.equal(typed[key], trained[key]), key


def test_prompt_as_typed_turns_it_off(bundled: Policy) -> None:
    as_typed = Policy.load(BUNDLED_CHECKPOINT, device="cpu", phrasing=False)
    assert as_typed.phrasing is None
    assert as_typed.told("please pick up the red cube") == "please pick up the red cube"
    typed = "Hey robot, fetch that red box!"
    literal = as_typed.prepare([_observation(as_typed, typed)])["input_ids"]
    phrased = bundled.prepare([_observation(bundled, typed)])["input_ids"]
    assert not torch.equal(literal, phrased)


def test_checkpoint_options_pass_prompt_as_typed() -> None:
    import argparse

    from app.cli.checkpoint_options import add_checkpoint_options, checkpoint_options

    parser = argparse.ArgumentParser()
    add_checkpoint_options(parser)
    assert checkpoint_options(parser.parse_args(["--prompt-as-typed"])) == {"phrasing": False}
    assert checkpoint_options(parser.parse_args([])) == {}


@pytest.mark.parametrize(
    "flag, phrasing", [([], "as trained"), (["--prompt-as-typed"], "as typed")]
)
def test_eval_says_how_prompts_reached_the_network(capsys, flag, phrasing) -> None:
    import json

    from app.cli.main import main

    args = ["eval", "--task", "pick_color", "--episodes", "1", "--checkpoint", "--json"]
    assert main([*args, "--prompts", "held-out", *flag]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["prompt_phrasing"] == phrasing
    assert summary["prompts"]["set"] == "held-out"


def test_without_the_simulator_nothing_is_rephrased(monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "drivers.sim.tasks", None)  # import fails: ImportError
    assert PromptPhrasing.from_card(CARD) is None


class _LoadedError(Exception):
    pass


def test_binding_prompt_as_typed_loads_the_policy_without_phrasing(monkeypatch) -> None:
    import app.cli.binding as binding
    from app.cli.main import main

    seen = []

    def load_policy(checkpoint, device, seed, compile=False, options=None):
        seen.append(options)
        raise _LoadedError

    monkeypatch.setattr(binding, "load_policy", load_policy)
    for flag in (["--prompt-as-typed"], []):
        main(["binding", "--layouts", "1", "--checkpoint", *flag])  # stops once it has loaded
    assert seen == [{"phrasing": False}, None]


def test_the_app_gives_every_policy_prompts_as_typed_when_asked(monkeypatch, tmp_path) -> None:
    import argparse

    from app.ui import application, backend

    calls = []
    monkeypatch.setattr(backend, "load_policy", lambda path, **options: calls.append(options))
    args = argparse.Namespace(
        compile=False, norm_stats="stats.json", tokenizer=None, convention=None,
        prompt_as_typed=True,
    )  # fmt: skip
    load = application._policy_loader(args, tmp_path / "given")
    load(tmp_path / "given")
    load(tmp_path / "chosen later")
    assert calls == [
        {"compile": False, "norm_stats": "stats.json", "phrasing": False},
        {"compile": False, "phrasing": False},
    ]
