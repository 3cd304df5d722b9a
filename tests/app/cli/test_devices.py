"""`main.py devices --port`: servos of one (virtual) port with IDs, models and errors."""

import json

import pytest

from app.cli.main import main
from drivers.virtual_bus import VirtualAloha


@pytest.fixture
def virtual_aloha():
    with VirtualAloha("static") as virtual:
        yield virtual


def test_port_scan_prints_servos_and_json(virtual_aloha, capsys) -> None:
    virtual_aloha.inject("follower_right", "overload", 9)
    port = virtual_aloha.ports["follower_right"]
    assert main(["devices", "--port", port, "--baud", "1000000", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    report = json.loads(out[-1])
    assert report["port"] == port and report["baud"] == 1_000_000
    assert [s["id"] for s in report["servos"]] == list(range(1, 10))
    assert report["servos"][0] | {"position": 0} == {
        "id": 1, "model": "XM540-W270", "firmware": 48, "position": 0, "errors": [],
    }  # fmt: skip
    assert report["servos"][0]["position"] == 2048
    assert report["servos"][8]["errors"] == ["overload"]
    assert any("XM430-W350" in line and "overload" in line for line in out[:-1])


def test_missing_port_is_a_one_line_error(tmp_path, capsys) -> None:
    assert main(["devices", "--port", str(tmp_path / "ttyUSB7"), "--baud", "57600"]) == 2
    assert "does not exist" in capsys.readouterr().err
