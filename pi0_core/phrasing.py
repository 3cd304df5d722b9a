"""A prompt in the user's words, said to a small policy in the phrasing it was trained on.

The bundled tiny π0 has a byte tokenizer and a language model that met five phrasings per task;
PaliGemma's checkpoints need none of this. For a checkpoint whose model card lists simulated
tasks of the prompt grammar (`pi0_core/train/prompt_grammar.py`), a prompt that names one of
those tasks' objects (and, for pick_color, exactly one colour) is said to the network as the
task's canonical phrasing; a prompt it was trained on (up to case, punctuation and spacing) is
said as trained; anything else, or a prompt with a negation, goes to the network as typed.
"""

from __future__ import annotations

import re

from pi0_core.train.card_tasks import known_tasks
from pi0_core.train.prompt_grammar import COLOURS, GRAMMARS, task_of

# Words that change what a prompt asks for in a way the task's words do not show.
_NEGATIONS = frozenset({"not", "don", "dont", "never", "no", "without", "stop", "except"})


def plain(prompt: str) -> str:
    """Lower case, words only, single spaces: how two phrasings are compared."""
    return " ".join(re.findall(r"[a-z0-9]+", prompt.lower()))


class PromptPhrasing:
    """prompt -> the phrasing the network is told (`__call__`), for a set of trained tasks.

    trained: task -> its phrasings, canonical first, "{color}" where pick_color's colour goes.
    """

    def __init__(self, trained: dict[str, tuple[str, ...]]) -> None:
        if not trained or not all(trained.values()):
            raise ValueError("PromptPhrasing needs at least one task with its phrasings")
        self.trained = dict(trained)
        self._as_trained = {
            plain(phrasing.format(color=color)): phrasing.format(color=color)
            for phrasings in self.trained.values()
            for phrasing in phrasings
            for color in _colours(phrasing)
        }

    @classmethod
    def from_card(cls, card: str) -> PromptPhrasing | None:
        """The phrasing for a checkpoint whose card lists tasks of the grammar, else None."""
        try:
            from drivers.sim.tasks import TASKS
        except ImportError:
            return None  # the tasks' phrasings live with the simulator
        tasks = [task for task in known_tasks(card) if task in GRAMMARS and task in TASKS]
        return cls({task: TASKS[task].prompts for task in tasks}) if tasks else None

    def __call__(self, prompt: str) -> str:
        """What the network is told for `prompt`."""
        key = plain(prompt)
        if key in self._as_trained:
            return self._as_trained[key]
        if _NEGATIONS & set(key.split()):
            return prompt
        found = task_of(prompt)
        if found is None or found[0] not in self.trained:
            return prompt
        task, color = found
        return self.trained[task][0].format(color=color)


def _colours(phrasing: str) -> tuple[str, ...]:
    return COLOURS if "{color}" in phrasing else ("",)
