"""The key facts of a policy at a glance, read from its model card (README.md) and its spec.

Two card layouts are read: the bundled policy's (a `## Results` table with a task and a
success column, an `Inference:` paragraph) and the one `main.py train` writes (`- key: value`
lines, among them the simulator success rate, and a fine-tune's `## Before and after` table).
Anything not found shows as "not stated".
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

NOT_STATED = "not stated"
NO_TIMING = "not in the card (main.py bench --policy --checkpoint DIR measures it)"


@dataclass(frozen=True)
class PolicySummary:
    """What the Operate tab shows about a policy before its full card."""

    name: str
    parameters: str  # e.g. "2.94 M"
    cameras: tuple[str, ...]
    success: tuple[tuple[str, str], ...]  # (task, measured success) rows, in the card's order
    inference: str  # time per chunk, as the card states it
    trained_on: str = ""  # the data line of a card `main.py train` wrote

    @property
    def tasks(self) -> tuple[str, ...]:
        """The tasks the card reports results for."""
        return tuple(task for task, _ in self.success)


def summarize(name: str, card: str, cameras: tuple[str, ...], parameters: int) -> PolicySummary:
    """The summary of a policy from its card text, camera names and parameter count."""
    return PolicySummary(
        name=name,
        parameters=f"{parameters / 1e6:.2f} M" if parameters else NOT_STATED,
        cameras=tuple(cameras),
        success=_results_table(card) or _before_after(card) or _trained_success(card),
        inference=_inference(card),
        trained_on=_field(card, "data"),
    )


def summary_html(summary: PolicySummary) -> str:
    """Rich text for a QLabel: a few facts, then the success table."""
    esc = html.escape
    facts = [
        ("Parameters", summary.parameters),
        ("Cameras", ", ".join(summary.cameras) or NOT_STATED),
        ("Inference", summary.inference),
    ]
    if summary.trained_on:
        facts.append(("Trained on", summary.trained_on))
    rows = "".join(
        f"<tr><td><b>{esc(key)}</b></td><td>{esc(value)}</td></tr>" for key, value in facts
    )
    text = f"<table cellspacing='2'>{rows}</table>"
    if summary.success:
        cells = "".join(
            f"<tr><td>{esc(task)}</td><td>{esc(result)}</td></tr>"
            for task, result in summary.success
        )
        text += (
            "<table border='1' cellspacing='0' cellpadding='2' style='margin-top:4px'>"
            f"<tr><th>task</th><th>measured success</th></tr>{cells}</table>"
        )
    else:
        text += "<p><b>Tasks, measured success:</b> not stated in the model card</p>"
    return text


def _results_table(card: str) -> tuple[tuple[str, str], ...]:
    """(task, success) from the first table under a `## Results` heading."""
    rows = _table(card, "Results")
    if len(rows) < 3 or "task" not in rows[0] or "success" not in rows[0]:
        return ()
    task, success = rows[0].index("task"), rows[0].index("success")
    return tuple((row[task], row[success]) for row in rows[2:] if len(row) > max(task, success))


def _before_after(card: str) -> tuple[tuple[str, str], ...]:
    """(task, "after (before: ...)") from a fine-tune's `## Before and after` table."""
    rows = _table(card, "Before and after")
    if len(rows) < 3 or len(rows[0]) < 3 or rows[0][0] != "task":
        return ()
    before = next((i for i, head in enumerate(rows[0]) if head.startswith("before")), None)
    after = next((i for i, head in enumerate(rows[0]) if head.startswith("after")), None)
    if before is None or after is None:
        return ()
    return tuple(
        (row[0], f"{row[after]} (before: {row[before]})")
        for row in rows[2:]
        if len(row) > max(before, after)
    )


def _table(card: str, heading: str) -> list[list[str]]:
    """The cells of the table rows under the `## heading` section, header row first."""
    section = re.search(
        rf"^## {re.escape(heading)}\s*$(.*?)(?=^## |\Z)", card, re.MULTILINE | re.DOTALL
    )
    if section is None:
        return []
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.group(1).splitlines()
        if line.strip().startswith("|")
    ]


def _trained_success(card: str) -> tuple[tuple[str, str], ...]:
    match = re.search(r"^- simulator success rate on (\S+): (\S+)", card, re.MULTILINE)
    return ((match.group(1), match.group(2)),) if match else ()


def _inference(card: str) -> str:
    """The first sentence of the card's `Inference:` paragraph (to its first parenthesis)."""
    match = re.search(r"^Inference:\s*(.+?)(?:\s\(|\n\n|$)", card, re.MULTILINE | re.DOTALL)
    if match is None:
        return NO_TIMING
    return " ".join(match.group(1).replace("`", "").split()).rstrip(",;.")


def _field(card: str, key: str) -> str:
    match = re.search(rf"^- {re.escape(key)}: (.+)$", card, re.MULTILINE)
    return match.group(1).strip() if match else ""
