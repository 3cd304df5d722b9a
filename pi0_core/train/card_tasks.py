"""What a checkpoint's model card says it learned: its `main.py demos` commands and tasks."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

CARD_FILE = "README.md"
TASKS_LINE = "- simulated tasks: "  # the line a trained checkpoint's card lists its tasks on
_DEMOS = re.compile(r"python\s+main\.py\s+demos\s+(.*)")


@dataclass(frozen=True)
class DemoRecipe:
    """One `main.py demos` command of a model card: the simulator can run it again."""

    task: str
    episodes: int
    seed: int = 0
    size: tuple[int, int] = (480, 640)  # (height, width), as `demos --size`
    compress: bool = False

    @property
    def command(self) -> str:
        """The command, as the card writes it (without --out)."""
        flags = " --compress" if self.compress else ""
        return (
            f"python main.py demos --task {self.task} --episodes {self.episodes} "
            f"--size {self.size[0]}x{self.size[1]}{flags} --seed {self.seed}"
        )


def read_card(checkpoint: Path | str) -> str:
    """The model card's text, or "" when the checkpoint has none."""
    path = Path(checkpoint) / CARD_FILE
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def demo_recipes(card: str) -> list[DemoRecipe]:
    """Every well-formed `python main.py demos` command in the card, in order."""
    recipes = []
    for line in card.splitlines():
        match = _DEMOS.search(line.split("#", 1)[0])
        if match:
            recipe = _recipe(match.group(1))
            if recipe is not None:
                recipes.append(recipe)
    return recipes


def known_tasks(card: str) -> tuple[str, ...]:
    """The simulated tasks the card says the checkpoint learned, in first-mention order."""
    names = [recipe.task for recipe in demo_recipes(card)]
    for line in card.splitlines():
        if line.startswith(TASKS_LINE):
            names += [name.strip() for name in line[len(TASKS_LINE) :].split(",")]
    return tuple(dict.fromkeys(name for name in names if name))


def _recipe(arguments: str) -> DemoRecipe | None:
    try:
        words = shlex.split(arguments)
    except ValueError:
        return None
    options, flags, key = {}, set(), None
    for word in words:
        if word.startswith("--"):
            key = word[2:]
            flags.add(key)
        elif key is not None:
            options[key], key = word, None
    try:
        height, width = (int(v) for v in options.get("size", "480x640").split("x"))
        return DemoRecipe(
            task=options["task"],
            episodes=int(options["episodes"]),
            seed=int(options.get("seed", 0)),
            size=(height, width),
            compress="compress" in flags,
        )
    except (KeyError, ValueError):
        return None
