"""metrics.jsonl (one JSON object per line) and train.log."""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

METRICS_FILE = "metrics.jsonl"
LOG_FILE = "train.log"


class MetricsLog:
    """Appends one JSON line per call; a resumed run drops lines past its resume step."""

    def __init__(self, out_dir: Path, resume_step: int | None = None) -> None:
        self.path = Path(out_dir) / METRICS_FILE
        if resume_step is None:
            self.path.write_text("")
        elif self.path.exists():
            kept = [
                line for line in self.path.read_text().splitlines() if _step(line) <= resume_step
            ]
            self.path.write_text("".join(line + "\n" for line in kept))

    def write(self, record: dict) -> None:
        """Append `record`; floats are rounded for readability, NaN becomes null."""
        clean = {key: _clean(value) for key, value in record.items()}
        with self.path.open("a") as stream:
            stream.write(json.dumps(clean) + "\n")


def read_metrics(out_dir: Path) -> list[dict]:
    """Every record of a run's metrics.jsonl."""
    path = Path(out_dir) / METRICS_FILE
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def log_to_file(out_dir: Path) -> logging.Handler:
    """Copy this process's log records into OUT/train.log."""
    handler = logging.FileHandler(Path(out_dir) / LOG_FILE)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(handler)
    if logging.getLogger().level > logging.INFO:
        logging.getLogger().setLevel(logging.INFO)
    return handler


def _step(line: str) -> float:
    try:
        return json.loads(line).get("step", math.inf)
    except ValueError:
        return math.inf


def _clean(value: object) -> object:
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.6g}")
    return value
