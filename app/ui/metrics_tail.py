"""Reads the JSON lines a training run appends to metrics.jsonl, a few new ones at a time."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger(__name__)


class MetricsTail:
    """Follows a growing JSON-lines file; a half-written last line waits for the next read."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.records: list[dict] = []
        self._offset = 0
        self._partial = b""

    def read_new(self) -> list[dict]:
        """Records appended since the last call (also kept in `records`)."""
        try:
            with self.path.open("rb") as stream:
                stream.seek(self._offset)
                data = stream.read()
        except FileNotFoundError:
            return []
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()  # "" after a complete line, else an unfinished one
        new = []
        for line in lines:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                log.warning("skipping a malformed line in %s", self.path)
                continue
            if isinstance(record, dict):
                new.append(record)
        self.records.extend(new)
        return new

    def series(self, key: str) -> tuple[list[float], list[float]]:
        """(steps, values) of `key` over the records that have it."""
        steps, values = [], []
        for record in self.records:
            value = record.get(key)
            if isinstance(value, (int, float)) and "step" in record:
                steps.append(float(record["step"]))
                values.append(float(value))
        return steps, values

    def at_step(self, step: int) -> dict:
        """The last record at or before `step` merged with later ones of the same step."""
        merged: dict = {}
        for record in self.records:
            if record.get("step", -1) <= step:
                merged.update(record)
        return merged
