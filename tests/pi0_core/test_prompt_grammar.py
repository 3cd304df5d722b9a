"""The prompt grammar: fresh phrasings for training, held-out patterns never drawn by it."""

from __future__ import annotations

import re

import numpy as np
import pytest

from pi0_core.tokenizer import ByteTokenizer
from pi0_core.train.prompt_grammar import (
    COLOURS,
    GRAMMARS,
    PromptAugment,
    episode_prompt,
    task_of,
    unknown_prompt,
    words,
)

SCENE_PROMPTS = {  # the simulator's canonical prompts (drivers/sim/tasks.py)
    "pick_color": "pick up the green cube",
    "transfer_cube": "pick up the cube with the right arm and hand it to the left arm",
    "insertion": "insert the peg into the socket",
}


def _pattern_regex(pattern: str, grammar) -> re.Pattern:
    """A pattern as a regex over lower-case text without end punctuation, slots as alternatives."""
    slots = {
        "verb": grammar.verbs + grammar.held_out_verbs,
        "obj": grammar.objects,
        "color": COLOURS,
    }
    parts = re.split(r"(\{(?:verb|obj|color)\})", pattern)
    regex = "".join(
        "(" + "|".join(map(re.escape, slots[part[1:-1]])) + ")"
        if part.startswith("{")
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex + "$")


def _matches(prompt: str, patterns: tuple[str, ...], grammar) -> bool:
    text = prompt.lower().rstrip(".!?")
    return any(_pattern_regex(pattern, grammar).match(text) for pattern in patterns)


@pytest.mark.parametrize("task", sorted(GRAMMARS))
def test_training_never_draws_a_held_out_pattern_or_verb(task) -> None:
    grammar, augment = GRAMMARS[task], PromptAugment(seed=3)
    held_out_words = set().union(*(words(verb) for verb in grammar.held_out_verbs))
    for _ in range(2000):
        prompt = augment(SCENE_PROMPTS[task])
        assert _matches(prompt, grammar.train, grammar), prompt
        assert not _matches(prompt, grammar.held_out, grammar), prompt
        trained_words = words(" ".join(grammar.train + grammar.verbs))
        assert not words(prompt) & (held_out_words - trained_words), prompt


def test_held_out_prompts_come_from_held_out_patterns_only() -> None:
    grammar = GRAMMARS["pick_color"]
    for seed in range(300):
        prompt = episode_prompt("pick_color", "held-out", seed, "blue")
        assert _matches(prompt, grammar.held_out, grammar)
        assert not _matches(prompt, grammar.train, grammar)
        assert task_of(prompt) == ("pick_color", "blue")  # the colour is kept


def test_the_same_seed_draws_the_same_phrasings() -> None:
    first = [PromptAugment(7)(SCENE_PROMPTS["pick_color"]) for _ in range(1)]
    draws = [PromptAugment(7), PromptAugment(7), PromptAugment(8)]
    runs = [[augment(SCENE_PROMPTS["pick_color"]) for _ in range(50)] for augment in draws]
    assert runs[0] == runs[1] != runs[2]
    assert first[0] == runs[0][0]
    assert episode_prompt("insertion", "train", 5) == episode_prompt("insertion", "train", 5)


def test_the_task_and_colour_are_read_from_the_demonstration_prompt() -> None:
    assert task_of("take the red one") == ("pick_color", "red")
    assert task_of("put the red peg into the blue socket") == ("insertion", "")
    assert task_of("pass the cube from right to left") == ("transfer_cube", "")
    assert task_of("put the red cube on the yellow square") is None  # place_cube: unchanged
    augment = PromptAugment(0)
    assert augment("wave at the camera") == "wave at the camera"
    for _ in range(200):
        assert task_of(augment("grab the blue cube")) == ("pick_color", "blue")


def test_a_keep_share_returns_that_share_of_prompts_as_recorded() -> None:
    recorded = "grab the blue cube"
    for keep, low, high in ((0.0, 0, 40), (0.3, 520, 680), (0.9, 1750, 1850)):
        augment = PromptAugment(5, keep=keep)
        kept = sum(augment(recorded) == recorded for _ in range(2000))
        assert low <= kept <= high, (keep, kept)  # a draw may equal the recording by chance
    kept_draws = [PromptAugment(5, keep=0.5)(recorded) for _ in range(3)]
    assert kept_draws == [PromptAugment(5, keep=0.5)(recorded) for _ in range(3)]  # seeded


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"prompt_augment": True, "prompt_keep": 1.0}, "--prompt-keep must be in [0, 1)"),
        ({"prompt_augment": True, "prompt_keep": -0.1}, "--prompt-keep must be in [0, 1)"),
        ({"prompt_keep": 0.3}, "--prompt-keep needs --prompt-augment"),
    ],
)
def test_an_impossible_keep_share_is_refused(options, message) -> None:
    from pi0_core.train.config import TrainConfig

    with pytest.raises(ValueError, match=re.escape(message)):
        TrainConfig(data=("d",), out="o", preset="tiny", **options)


def test_every_grammar_word_round_trips_and_fits_the_token_budget() -> None:
    tokenizer = ByteTokenizer()
    rng = np.random.default_rng(0)
    for grammar in GRAMMARS.values():
        for which in ("train", "held-out"):
            for _ in range(300):
                prompt = grammar.draw(rng, which, str(rng.choice(COLOURS)))
                assert tokenizer.decode(tokenizer.encode(prompt)) == prompt
                assert len(tokenizer.encode(prompt)) + 2 <= 72  # BOS and newline: tiny's budget


def test_a_prompt_file_and_a_bad_set_are_handled(tmp_path) -> None:
    file = tmp_path / "prompts.txt"
    file.write_text("lift the {color} thing\n\n")
    assert episode_prompt("pick_color", str(file), 0, "red") == "lift the red thing"
    with pytest.raises(ValueError, match="no phrasing"):
        (tmp_path / "empty.txt").write_text("\n")
        episode_prompt("pick_color", str(tmp_path / "empty.txt"), 0, "red")
    with pytest.raises(ValueError, match="No such file"):
        episode_prompt("pick_color", str(tmp_path / "missing.txt"), 0, "red")
    with pytest.raises(ValueError, match="no prompt grammar"):
        episode_prompt("place_cube", "held-out", 0)


class _Recording:
    """A tokenizer that records the texts it encodes."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer, self.texts = tokenizer, []

    def encode(self, text: str) -> list[int]:
        self.texts.append(text)
        return self.tokenizer.encode(text)

    def __getattr__(self, name: str):
        return getattr(self.tokenizer, name)


@pytest.mark.parametrize("augment", [False, True])
def test_training_samples_see_new_phrasings_only_with_prompt_augment(augment) -> None:
    from pi0_core.adapters import IdentityAdapter
    from pi0_core.model import image_token_id, tokens_per_image
    from pi0_core.train.data import training_transform
    from tests.pi0_core.conftest import make_observation, make_policy

    policy = make_policy()
    tokenizer = _Recording(policy.tokenizer)
    transform = training_transform(
        policy.spec,
        tokenizer,
        tokens_per_image(policy.model),
        image_token_id(policy.model),
        IdentityAdapter(),
        rephrase=PromptAugment(0) if augment else None,
    )
    item = make_observation(prompt="pick up the red cube")
    item |= {"actions": np.zeros((50, 14), np.float32), "action_mask": np.ones(50, bool)}
    for _ in range(20):
        transform(dict(item))
    seen = {text for text in tokenizer.texts if text != "\n"}
    if augment:
        assert len(seen) > 5 and all(task_of(text) == ("pick_color", "red") for text in seen)
    else:
        assert seen == {"pick up the red cube"}


def test_the_model_card_says_how_prompts_were_trained() -> None:
    from pi0_core.train.config import TrainConfig
    from pi0_core.train.model_card import model_card
    from tests.pi0_core.conftest import make_policy

    spec = make_policy().spec

    def prompts_line(**options) -> str:
        config = TrainConfig(data=("d",), out="o", preset="tiny", **options)
        card = model_card(config, spec, 1, 1, 1, 1, 1e-4, None, None)
        return next(line for line in card.splitlines() if line.startswith("- prompts:"))

    assert prompts_line() == "- prompts: as recorded"
    assert prompts_line(prompt_augment=True).endswith("grammar (`--prompt-augment`)")
    assert prompts_line(prompt_augment=True, prompt_keep=0.3).endswith(", 30% kept as recorded")


def test_a_task_outside_the_grammar_is_known_by_its_own_words() -> None:
    learned = ("pick_yellow", "pick_color", "transfer_cube")
    assert unknown_prompt("pick up the yellow cube", learned) is None
    assert unknown_prompt("grab the red cube", learned) is None
    assert "learned pick_yellow, pick_color, transfer_cube" in unknown_prompt(
        "pick up the purple cube", learned
    )
    assert unknown_prompt("pick up the yellow cube", ("pick_color",)) is not None
    only_new = unknown_prompt("wave", ("place_cube",))
    assert "e.g. 'put the red cube on the yellow square'" in only_new
    assert unknown_prompt("set the cube on the mark", ("place_cube",)) is None
