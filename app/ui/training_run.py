"""A `main.py train` child process: started with QProcess, followed through its metrics file."""

from __future__ import annotations

import os
import re
import signal
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from app.ui.metrics_tail import MetricsTail
from app.ui.training import TrainingConfig, tail_lines, train_command

POLL_MS = 300  # metrics.jsonl is read this often
OUTPUT_LINES = 300  # lines of the child's output kept for the log view
STOP_GRACE_MS = 15000  # after Ctrl-C, how long the trainer may take to save before SIGTERM
KILL_GRACE_MS = 5000  # after SIGTERM, how long before SIGKILL
# A log record printed right after a progress bar (which ends without a newline) starts here.
LOG_START = re.compile(r"(?=(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) [\w.]+: )")


class TrainingRun(QObject):
    """One run at a time; `updated` when metrics or output arrive, `finished` at the end."""

    updated = Signal()
    finished = Signal(str)  # "finished", "stopped" or "failed"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config: TrainingConfig | None = None
        self.out: Path | None = None  # the run folder shown (started here or opened)
        self.metrics: MetricsTail | None = None
        self.state = "idle"  # "running", "stopping", "finished", "stopped", "failed"
        self.exit_code: int | None = None
        self.output: deque[str] = deque(maxlen=OUTPUT_LINES)
        self._partial_output = ""
        self._process: QProcess | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._read_metrics)
        # Owned timers (not QTimer.singleShot): they die with this object, never fire on a
        # process that is gone.
        self._terminate_timer = _one_shot(self, STOP_GRACE_MS, self._terminate)
        self._kill_timer = _one_shot(self, KILL_GRACE_MS, self._kill)

    @property
    def running(self) -> bool:
        """True from start until the process has ended."""
        return self.state in ("running", "stopping")

    def start(self, config: TrainingConfig, resume: bool = False) -> None:
        """Launch the trainer; output folder = `config.out`."""
        if self.running:
            raise RuntimeError("a training run is already going")
        self.config = config
        self.out = Path(config.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.metrics = MetricsTail(self.out / "metrics.jsonl")
        self.output.clear()
        self._partial_output = ""
        self.exit_code = None
        program, arguments = train_command(config, resume)
        process = QProcess(self)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(environment)
        process.setWorkingDirectory(os.getcwd())
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._error)
        self._process = process
        self.state = "running"
        self.output.append("$ main.py " + " ".join(config.arguments(resume)))
        process.start(program, arguments)
        self._poll.start()

    def attach(self, out: str | Path) -> bool:
        """Show an earlier run's folder (its metrics and checkpoints); False if it is none."""
        if self.running:
            raise RuntimeError("a training run is going")
        out = Path(out)
        if not (out / "metrics.jsonl").is_file():
            return False
        self.config, self.out, self.state = None, out, "idle"
        self.metrics = MetricsTail(out / "metrics.jsonl")
        self.metrics.read_new()  # a finished run's file is small: one read
        self.output.clear()
        self.updated.emit()
        return True

    def stop(self) -> None:
        """Ask the trainer to stop cleanly (Ctrl-C: it saves), then insist if it does not."""
        process = self._process
        if process is None or not self.running:
            return
        self.state = "stopping"
        pid = process.processId()
        if pid and os.name == "posix":
            os.kill(pid, signal.SIGINT)
        else:
            process.terminate()
        self._terminate_timer.start()

    def _terminate(self) -> None:
        if self.running and self._process is not None:
            self._process.terminate()
            self._kill_timer.start()

    def _kill(self) -> None:
        if self.running and self._process is not None:
            self._process.kill()

    def last_lines(self, count: int = 20) -> list[str]:
        """The end of train.log, or of the process output when there is no log."""
        if self.out is not None:
            lines = tail_lines(self.out / "train.log", count)
            if lines:
                return lines
        return list(self.output)[-count:]

    def _read_output(self) -> None:
        if self._process is None:
            return
        text = self._partial_output + bytes(self._process.readAllStandardOutput()).decode(
            "utf-8", errors="replace"
        )
        # tqdm redraws its bar with carriage returns: keep only the latest state of a line
        lines = text.replace("\r\n", "\n").split("\n")
        self._partial_output = lines.pop()
        for line in lines:
            self.output.extend(_log_lines(line))
        self.updated.emit()

    def _read_metrics(self) -> None:
        if self.metrics is not None and self.metrics.read_new():
            self.updated.emit()

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.output.append(f"could not start the trainer: {self._process.errorString()}")
            self._finished(-1, QProcess.ExitStatus.CrashExit)

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        if not self.running:
            return
        self._read_output()
        if self._partial_output:
            self.output.extend(_log_lines(self._partial_output))
            self._partial_output = ""
        self._read_metrics()
        self._poll.stop()
        self._terminate_timer.stop()
        self._kill_timer.stop()
        self.exit_code = exit_code
        if self.state == "stopping":
            self.state = "stopped"
        else:
            self.state = "finished" if exit_code == 0 else "failed"
        self.finished.emit(self.state)

    def shutdown(self, wait_ms: int = 20000) -> None:
        """Stop a running trainer and wait for it (window closing)."""
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        self.stop()
        if not process.waitForFinished(wait_ms):
            process.kill()
            process.waitForFinished(3000)


def _log_lines(line: str) -> list[str]:
    """The lines a terminal would show: the last redraw of a progress bar, then log records."""
    line = line.rsplit("\r", 1)[-1]
    return [part for part in LOG_START.split(line) if part.strip()] or [line]


def _one_shot(parent: QObject, interval_ms: int, slot: object) -> QTimer:
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer
