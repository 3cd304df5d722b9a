"""Prompts in the user's own words: a small grammar per simulated task.

`train --prompt-augment` re-phrases every training sample's prompt with a fresh draw of the
grammar's training patterns (the prompts on disk are kept as they are); the held-out patterns
(whole sentence structures and verbs that training never draws) are for evaluation
(`eval --prompts held-out`). The task, and pick_color's colour, are read from the episode's
own prompt; a prompt of no known task is left unchanged.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

import numpy as np

COLOURS = ("red", "green", "blue")  # pick_color's cubes
PROMPT_SETS = ("train", "held-out")


@dataclass(frozen=True)
class TaskGrammar:
    """Sentence patterns with {verb}, {obj} (and {color}) slots, and the words that fill them."""

    task: str
    train: tuple[str, ...]
    held_out: tuple[str, ...]
    verbs: tuple[str, ...]  # drawn for training and held-out patterns alike
    held_out_verbs: tuple[str, ...]  # only in held-out patterns
    objects: tuple[str, ...]

    def patterns(self, which: str) -> tuple[str, ...]:
        """The patterns of one set: "train" or "held-out"."""
        if which not in PROMPT_SETS:
            choices = ", ".join(PROMPT_SETS)
            raise ValueError(f"unknown prompt set {which!r}; choose one of {choices}")
        return self.train if which == "train" else self.held_out

    def draw(self, rng: np.random.Generator, which: str = "train", color: str = "") -> str:
        """One phrasing from the set's patterns, with random words, case and punctuation."""
        pattern = _pick(rng, self.patterns(which))
        verbs = self.verbs + (self.held_out_verbs if which == "held-out" else ())
        text = pattern.format(verb=_pick(rng, verbs), obj=_pick(rng, self.objects), color=color)
        return _surface(rng, text)


def _pick(rng: np.random.Generator, options: tuple[str, ...]) -> str:
    return options[int(rng.integers(len(options)))]


def _surface(rng: np.random.Generator, text: str) -> str:
    """Case and end punctuation as people type them."""
    case = rng.random()
    if case < 0.3:
        text = text[0].upper() + text[1:]
    elif case < 0.35:
        text = text.upper()
    ending = _pick(
        rng, ("", "", ".", "!", "?" if text.split()[0].lower() in ("could", "can") else ".")
    )
    return text + ending


GRAMMARS = {
    "pick_color": TaskGrammar(
        task="pick_color",
        train=(
            "{verb} the {color} {obj}",
            "please {verb} the {color} {obj}",
            "{verb} the {color} {obj} please",
            "could you {verb} the {color} {obj}",
            "{verb} the {color} {obj} with the right arm",
            "now {verb} the {color} {obj}",
            "i need you to {verb} the {color} {obj}",
            "{verb} the {color} {obj} for me",
        ),
        held_out=(
            "can you {verb} the {color} {obj} for me",
            "go ahead and {verb} the {color} {obj}",
            "hey robot, {verb} that {color} {obj}",
            "kindly {verb} the {color} {obj} now",
        ),
        verbs=("pick up", "grab", "lift", "take", "get", "raise", "grasp"),
        held_out_verbs=("fetch", "hold up"),
        objects=("cube", "block", "one", "box"),
    ),
    "transfer_cube": TaskGrammar(
        task="transfer_cube",
        train=(
            "{verb} the {obj} from the right arm to the left arm",
            "please {verb} the {obj} to the left arm",
            "pick up the {obj} with the right arm and {verb} it to the left arm",
            "{verb} the {obj} over to the left gripper",
            "now {verb} the {obj} from right to left",
        ),
        held_out=(
            "can you {verb} the {obj} from right to left for me",
            "go ahead and {verb} the {obj} to the left hand",
        ),
        verbs=("hand", "pass", "give", "move", "transfer"),
        held_out_verbs=("shift",),
        objects=("cube", "block"),
    ),
    "insertion": TaskGrammar(
        task="insertion",
        train=(
            "{verb} the peg into the socket",
            "please {verb} the peg in the socket",
            "use both arms to {verb} the peg into the socket",
            "pick up the peg and the socket and {verb} the peg in the socket",
            "now {verb} the red peg into the blue socket",
        ),
        held_out=(
            "can you {verb} the peg into the socket for me",
            "go ahead and {verb} the peg into the hole of the socket",
        ),
        verbs=("insert", "put", "push", "slide", "fit"),
        held_out_verbs=("plug",),
        objects=("peg",),
    ),
}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def task_of(prompt: str) -> tuple[str, str] | None:
    """(task, colour) that a demonstration's prompt is of, or None for no task of the grammar."""
    found = words(prompt)
    if found & {"square", "mark"}:
        return None  # place_cube: not in the grammar
    if found & {"peg", "socket"}:
        return "insertion", ""
    if "left" in found and found & {"cube", "block"}:
        return "transfer_cube", ""
    named = [color for color in COLOURS if color in found]
    if len(named) == 1 and found & {"cube", "block", "one", "box"}:
        return "pick_color", named[0]
    return None


class PromptAugment:
    """Re-phrases a demonstration's prompt with a fresh draw of the training patterns.

    `keep` is the share of prompts returned as recorded (`train --prompt-keep`), so that the
    demonstrations' own phrasings stay in training.
    """

    def __init__(self, seed: int, keep: float = 0.0) -> None:
        self.rng = np.random.default_rng(seed)
        self.keep = keep

    def __call__(self, prompt: str) -> str:
        """A new phrasing of the same task (and colour); an unknown or kept prompt unchanged."""
        found = task_of(prompt)
        if found is None or (self.keep and self.rng.random() < self.keep):
            return prompt
        task, color = found
        return GRAMMARS[task].draw(self.rng, "train", color)


def read_prompt_file(path: str) -> tuple[str, ...]:
    """One phrasing per line ({color} where pick_color's colour goes); blank lines skipped."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = tuple(line.strip() for line in file if line.strip())
    except OSError as exc:
        raise ValueError(f"--prompts {path}: {exc.strerror or exc}") from None
    if not lines:
        raise ValueError(f"--prompts {path}: no phrasing in the file")
    return lines


def episode_prompt(task: str, source: str, seed: int, color: str = "") -> str:
    """The prompt for the episode of `seed` from a set ("train", "held-out") or a file's lines."""
    rng = np.random.default_rng([seed, 7])
    if source in PROMPT_SETS:
        if task not in GRAMMARS:
            raise ValueError(f"--prompts {source}: no prompt grammar for task {task!r}")
        return GRAMMARS[task].draw(rng, source, color)
    lines = read_prompt_file(source)
    return _pick(rng, lines).replace("{color}", color)


def suggestions(tasks: tuple[str, ...], per_task: int = 3) -> tuple[str, ...]:
    """A few phrasings of the training patterns for each task of the grammar among `tasks`."""
    found = []
    for task in tasks:
        grammar = GRAMMARS.get(task)
        for index in range(per_task if grammar else 0):
            color = COLOURS[index % len(COLOURS)]
            found.append(
                grammar.train[index % len(grammar.train)].format(
                    verb=grammar.verbs[index % len(grammar.verbs)],
                    obj=grammar.objects[0],
                    color=color,
                )
            )
    return tuple(found)


def unknown_prompt(prompt: str, tasks: tuple[str, ...]) -> str | None:
    """Why `prompt` names no task (or object) the policy learned, or None if it names one.
    Tasks outside the grammar (place_cube, pick_yellow) are judged by their own words."""
    known = tuple(task for task in tasks if task in GRAMMARS)
    others = {
        task: spec for task, spec in _sim_tasks().items() if task in tasks and task not in known
    }
    if not known and not others:
        return None  # nothing is known of what this policy learned
    found = task_of(prompt)
    if found is not None and found[0] in known:
        return None
    if any(spec.prompt_problem(prompt) is None for spec in others.values()):
        return None
    if known:
        example = suggestions(known[:1], 1)[0]
    else:
        spec = next(iter(others.values()))
        example = spec.prompts_for(*spec.colors[:1])[0]
    return (
        f"this policy learned {', '.join(t for t in tasks if t in known or t in others)}; "
        f"the prompt names none of their objects (e.g. {example!r})"
    )


def _sim_tasks() -> dict:
    """The simulator's tasks by name, or none where the simulator is not installed."""
    try:
        return importlib.import_module("drivers.sim.tasks").TASKS
    except ImportError:
        return {}
