"""Model cards name the demos commands and tasks a checkpoint learned."""

from __future__ import annotations

from pi0_core.bundled import BUNDLED_CHECKPOINT
from pi0_core.train.card_tasks import DemoRecipe, demo_recipes, known_tasks, read_card


def test_bundled_card_names_its_tasks() -> None:
    tasks = known_tasks(read_card(BUNDLED_CHECKPOINT))
    assert tasks == ("transfer_cube", "pick_color", "insertion")


def test_bundled_cards_first_command_is_parsed() -> None:
    first = demo_recipes(read_card(BUNDLED_CHECKPOINT))[0]
    assert first == DemoRecipe("transfer_cube", 100, seed=0, size=(240, 320), compress=True)


def test_bundled_cards_commands_are_its_training_data() -> None:
    # A fine-tune's card lists these as its starting checkpoint's data, and `--rehearse init`
    # regenerates from them: an evaluation set's command must not read as one of them.
    recipes = demo_recipes(read_card(BUNDLED_CHECKPOINT))
    assert len(recipes) == 15
    assert all(r.size == (240, 320) and r.compress and r.seed < 100_000 for r in recipes)


def test_placeholder_commands_are_skipped() -> None:
    card = "python main.py demos --task TASK --episodes N --out x --size 120x160 --seed 0\n"
    assert demo_recipes(card) == []


def test_tasks_line_adds_tasks() -> None:
    card = "python main.py demos --task pick_color --episodes 5\n- simulated tasks: a, pick_color\n"
    assert known_tasks(card) == ("pick_color", "a")


def test_recipe_command_reads_back() -> None:
    recipe = DemoRecipe("insertion", 7, seed=12, size=(96, 128), compress=True)
    assert demo_recipes(recipe.command) == [recipe]


def test_checkpoint_without_card_knows_nothing(tmp_path) -> None:
    assert known_tasks(read_card(tmp_path)) == ()
