"""`main.py virtual-aloha` prints four pty paths that the driver can open."""

import json
import subprocess
import sys


def test_prints_four_ports_and_stops_after_seconds() -> None:
    command = [sys.executable, "main.py", "virtual-aloha", "--backend", "static",
               "--seconds", "0.5", "--json"]  # fmt: skip
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    ports = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")][0]
    assert sorted(ports["ports"]) == [
        "follower_left", "follower_right", "leader_left", "leader_right",
    ]  # fmt: skip
    assert all(path.startswith("/dev/pts/") for path in ports["ports"].values())


def test_unknown_task_is_a_one_line_error() -> None:
    command = [sys.executable, "main.py", "virtual-aloha", "--task", "juggling"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("error: unknown task 'juggling'")
