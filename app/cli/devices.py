"""`main.py devices`: serial ports, the Dynamixel servos on them, and the cameras attached."""

from __future__ import annotations

import argparse
import json
import sys

HELP = "list serial ports, Dynamixel servos and cameras (or scan one port with --port)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--port to scan one port, --baud to try one rate, --json for a machine-readable line."""
    parser.add_argument("--port", help="scan only this serial port (e.g. /dev/ttyUSB0)")
    parser.add_argument("--baud", type=int, help="try only this baud rate (default: common ones)")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")


def run(args: argparse.Namespace) -> int:
    """Scan and print tables; with --json, the result as one JSON object on the last line."""
    from drivers.dynamixel.scan import COMMON_BAUDS

    bauds = (args.baud,) if args.baud else COMMON_BAUDS
    if args.port:
        report = _scan(args.port, bauds)
        if report.error:
            raise RuntimeError(report.error)
        _print_servos(report)
        if args.json:
            print(json.dumps(report.to_dict()))
        return 0
    return _list_everything(bauds, args.json)


def _scan(port: str, bauds: tuple[int, ...]):
    from tqdm import tqdm

    from drivers.dynamixel.scan import scan_port

    with tqdm(total=len(bauds), desc=f"scanning {port}", unit="baud", file=sys.stderr) as bar:

        def on_baud(baud: int) -> None:
            bar.set_postfix_str(str(baud))
            bar.update(1)

        return scan_port(port, bauds, on_baud)


def _list_everything(bauds: tuple[int, ...], as_json: bool) -> int:
    from dataclasses import asdict

    from drivers.dynamixel.scan import list_serial_ports

    ports = list_serial_ports()
    rows = []
    out: dict = {"ports": [], "cameras": []}
    for port in ports:
        if not port.usb:
            rows.append([port.device, "-", "-", "-", "not scanned (not a USB adapter)"])
            out["ports"].append(asdict(port))
            continue
        report = _scan(port.device, bauds)
        servos = ", ".join(f"{s.id}:{s.model}" for s in report.servos) or report.error or "none"
        baud = str(report.baud or "-")
        rows.append([port.device, port.serial_number or "-", port.by_id or "-", baud, servos])
        out["ports"].append(asdict(port) | report.to_dict())
    print("Serial ports")
    _print_table(["port", "serial", "by-id", "baud", "servos (id:model)"], rows)
    cameras = _list_cameras()
    print("\nCameras")
    _print_table(
        ["kind", "device", "label"], [[c["kind"], c["device"], c["label"]] for c in cameras]
    )
    out["cameras"] = cameras
    if as_json:
        print(json.dumps(out))
    return 0


def _list_cameras() -> list[dict]:
    """Cameras from drivers.cameras.discovery, as dicts; none when it is unavailable."""
    from dataclasses import asdict, is_dataclass

    try:
        from drivers.cameras.discovery import list_cameras
    except ImportError:
        return []
    cameras = []
    for camera in list_cameras():
        info = asdict(camera) if is_dataclass(camera) else dict(camera)
        cameras.append({"kind": "", "device": "", "label": ""} | info)
    return cameras


def _print_servos(report) -> None:
    if not report.servos:
        print(f"{report.port}: no servo answered")
        return
    print(f"{report.port} at {report.baud} baud")
    rows = [
        [s.id, s.model, s.firmware, "-" if s.position is None else s.position,
         ", ".join(s.errors) or "ok"]
        for s in report.servos
    ]  # fmt: skip
    _print_table(["id", "model", "firmware", "position", "errors"], rows)


def _print_table(header: list[str], rows: list[list]) -> None:
    if not rows:
        print("  (none found)")
        return
    cells = [header, *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        print("  " + "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)))
