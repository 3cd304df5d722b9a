"""Serves one servo chain on a pseudo-terminal: a serial-port client cannot tell the difference."""

from __future__ import annotations

import contextlib
import logging
import os
import pty
import select
import termios
import threading
import time
import tty

from drivers.realtime import VIRTUAL_HARDWARE_RT_PRIORITY, set_thread_realtime
from drivers.virtual_bus.chain import ServoChain
from drivers.virtual_bus.packets import PacketReader

log = logging.getLogger(__name__)

# termios speed constant -> bits per second, for the rates Dynamixel servos use.
_SPEEDS = {
    getattr(termios, f"B{rate}"): rate
    for rate in (9600, 57600, 115200, 1000000, 2000000, 3000000, 4000000)
    if hasattr(termios, f"B{rate}")
}


class PtyServer:
    """A pty whose slave end (`path`) behaves like a USB serial adapter with `chain` on it."""

    def __init__(self, chain: ServoChain, name: str = "") -> None:
        self.chain = chain
        self.name = name
        self._master, self._slave = pty.openpty()
        tty.setraw(self._slave)  # raw: no echo, no line editing, no CR/LF translation
        self.path = os.ttyname(self._slave)
        self._stop_read, self._stop_write = os.pipe()
        self._thread: threading.Thread | None = None
        self.packets_handled = 0

    def start(self) -> None:
        """Start answering in a daemon thread."""
        self._thread = threading.Thread(target=self._serve, name=f"virtual-bus-{self.name}")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and close the pty. Safe to call twice."""
        if self._thread is not None:
            os.write(self._stop_write, b"x")
            self._thread.join(timeout=2.0)
            self._thread = None
        for fd in (self._master, self._slave, self._stop_read, self._stop_write):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._master = self._slave = self._stop_read = self._stop_write = -1

    def baud(self) -> int:
        """The baud rate the client set on the port (a pty keeps the termios speed)."""
        speed = termios.tcgetattr(self._slave)[5]
        return _SPEEDS.get(speed, 0)

    def _serve(self) -> None:
        set_thread_realtime(VIRTUAL_HARDWARE_RT_PRIORITY)  # servos answer whatever the CPU does
        reader = PacketReader()
        while True:
            ready, _, _ = select.select([self._master, self._stop_read], [], [])
            if self._stop_read in ready:
                return
            try:
                data = os.read(self._master, 4096)
            except OSError:  # EIO when no process holds the slave open
                time.sleep(0.01)
                continue
            for packet in reader.feed(data):
                self.packets_handled += 1
                self._send(self.chain.handle(packet, self.baud()))

    def _send(self, transmissions: list[tuple[float, bytes]]) -> None:
        """Write the replies; those with no delay between them go out in one write."""
        pending = b""
        for delay, reply in transmissions:
            if delay > 0:
                if pending:
                    os.write(self._master, pending)
                    pending = b""
                time.sleep(delay)
            pending += reply
        if pending:
            os.write(self._master, pending)
