"""One serial port with a chain of X-series servos: ping, scan, read, write, sync read/write."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from dynamixel_sdk import (
    BROADCAST_ID,
    COMM_RX_CORRUPT,
    COMM_RX_TIMEOUT,
    COMM_SUCCESS,
    GroupSyncWrite,
    PacketHandler,
)

from drivers.dynamixel import control_table as ct
from drivers.dynamixel.errors import (
    ALERT_BIT,
    PACKET_ERRORS,
    DynamixelError,
    PortError,
    ServoCorruptReplyError,
    ServoHardwareError,
    ServoStatusError,
    ServoTimeoutError,
)
from drivers.dynamixel.port import latency_hint, latency_timer_ms, open_port

log = logging.getLogger(__name__)

DEFAULT_BAUD = 1_000_000


@dataclass(frozen=True)
class ServoInfo:
    """What a ping tells about one servo."""

    id: int
    model_number: int
    firmware: int

    @property
    def model(self) -> str:
        """The model's name, e.g. XM430-W350."""
        return ct.model_name(self.model_number)


@dataclass
class BusStats:
    """Counters since the port was opened."""

    transactions: int = 0
    retries: int = 0  # lost or garbled replies that a retry recovered


class DynamixelBus:
    """A Protocol 2.0 bus on one port; thread-safe, one transaction at a time.

    A lost or garbled reply is retried (`max_attempts` in all); when every attempt fails, or a
    servo reports an error, a named `DynamixelError` is raised.
    """

    def __init__(
        self,
        port: str,
        baud: int = DEFAULT_BAUD,
        *,
        label: str | None = None,
        joint_names: Mapping[int, str] | None = None,
        max_attempts: int = 3,
        min_timeout_ms: float = 0.0,
    ) -> None:
        self.port = port
        self.baud = baud
        self.label = label  # e.g. "follower_left", used in messages
        self.joint_names = dict(joint_names or {})
        self.max_attempts = max(1, max_attempts)
        self.min_timeout_ms = min_timeout_ms  # floor under the SDK's ~34 ms reply timeout
        self.stats = BusStats()
        self._lock = threading.Lock()
        self._packets = PacketHandler(2.0)
        self._handler: Any = None

    # -- opening -----------------------------------------------------------------------------

    def open(self) -> None:
        """Open the port; raises a PortError that suggests the fix."""
        if self._handler is None:
            self._handler = open_port(self.port, self.baud, self.min_timeout_ms)
            self.stats = BusStats()

    def close(self) -> None:
        """Close the port. Safe to call twice."""
        with self._lock:
            if self._handler is not None:
                with contextlib.suppress(Exception):  # a port that vanished cannot drain
                    self._handler.ser.flush()  # the last packet (torque off) goes out first
                self._handler.closePort()
                self._handler = None

    @property
    def is_open(self) -> bool:
        """True while the port is open."""
        return self._handler is not None

    def __enter__(self) -> DynamixelBus:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- discovery ---------------------------------------------------------------------------

    def ping(self, servo_id: int, attempts: int | None = None) -> ServoInfo:
        """Model and firmware of one servo; raises ServoTimeoutError if it does not answer."""

        def ping_once() -> tuple[int, int, Any]:
            model, result, error = self._packets.ping(self._port(), servo_id)
            return result, error & ~ALERT_BIT, model  # a servo in error still says what it is

        with self._hold(None):
            model = self._transact("PING", servo_id, ping_once, attempts)
            firmware = self._read_unlocked(ct.get_register("Firmware_Version"), servo_id, False)
        return ServoInfo(servo_id, model, firmware)

    def find(self, servo_id: int) -> ServoInfo | None:
        """Like `ping`, but None when the servo does not answer (one attempt only)."""
        try:
            return self.ping(servo_id, attempts=1)
        except ServoTimeoutError:
            return None

    def scan(self) -> list[ServoInfo]:
        """Every servo that answers a broadcast ping, sorted by ID (empty when none does)."""
        with self._hold(None):
            found, result = self._packets.broadcastPing(self._port())
        if result not in (COMM_SUCCESS, COMM_RX_TIMEOUT, COMM_RX_CORRUPT):
            raise PortError(self._packets.getTxRxResult(result), port=self.port)
        return [ServoInfo(sid, model, fw) for sid, (model, fw) in sorted(found.items())]

    # -- registers ---------------------------------------------------------------------------

    def read(self, name: str, servo_id: int, check_alert: bool = True) -> int:
        """The value of register `name` of one servo.

        A reply with the alert bit raises ServoHardwareError unless `check_alert` is False.
        """
        with self._hold(None):
            return self._read_unlocked(ct.get_register(name), servo_id, check_alert)

    def write(self, name: str, servo_id: int, value: int) -> None:
        """Write register `name` of one servo and wait for its acknowledgement."""
        register = ct.get_register(name)
        data = list(ct.encode(register, value))

        def write_once() -> tuple[int, int, None]:
            result, error = self._packets.writeTxRx(
                self._port(), servo_id, register.address, register.size, data
            )
            return result, error, None

        with self._hold(None):
            self._transact(f"WRITE {name}={value}", servo_id, write_once)

    def broadcast_write(self, name: str, value: int, timeout: float | None = None) -> None:
        """Write one register of every servo on the bus at once (no reply, nothing retried).

        `timeout`: how long to wait for another thread's transaction (TimeoutError after it).
        """
        register = ct.get_register(name)
        with self._hold(timeout):
            result = self._packets.writeTxOnly(
                self._port(), BROADCAST_ID, register.address, register.size,
                list(ct.encode(register, value)),
            )  # fmt: skip
        if result != COMM_SUCCESS:
            raise self._port_error(f"broadcast {name}", result)

    def sync_read(
        self, names: tuple[str, ...], ids: Iterable[int], timeout: float | None = None
    ) -> dict[int, dict[str, int]]:
        """One SYNC_READ of the contiguous registers `names` from every servo in `ids`."""
        ids = list(ids)
        start, length = ct.block_span(names)
        registers = [ct.get_register(name) for name in names]

        def sync_read_once() -> tuple[int, int, Any]:
            port = self._port()
            result = self._packets.syncReadTx(port, start, length, ids, len(ids), False)
            if result != COMM_SUCCESS:
                return result, 0, None
            replies = {}
            for servo_id in ids:
                data, result, error = self._packets.readRx(port, servo_id, length)
                if result != COMM_SUCCESS or error:
                    return result, error, servo_id
                replies[servo_id] = data
            return COMM_SUCCESS, 0, replies

        with self._hold(timeout):
            replies = self._transact(f"SYNC_READ {'..'.join(names)}", None, sync_read_once)
        return {
            servo_id: {r.name: ct.decode(r, data[r.address - start :]) for r in registers}
            for servo_id, data in replies.items()
        }

    def sync_write(
        self, name: str, values: Mapping[int, int], timeout: float | None = None
    ) -> None:
        """One SYNC_WRITE of register `name`: servo ID -> value (no reply, nothing retried)."""
        register = ct.get_register(name)
        with self._hold(timeout):
            group = GroupSyncWrite(self._port(), self._packets, register.address, register.size)
            for servo_id, value in values.items():
                group.addParam(servo_id, list(ct.encode(register, value)))
            result = group.txPacket()
            self.stats.transactions += 1
        if result != COMM_SUCCESS:
            raise self._port_error(f"SYNC_WRITE {name}", result)

    def reboot(self, servo_id: int) -> None:
        """Reboot one servo (clears a hardware error; torque comes back off)."""

        def reboot_once() -> tuple[int, int, None]:
            result, error = self._packets.reboot(self._port(), servo_id)
            return result, error & ~ALERT_BIT, None

        with self._hold(None):
            self._transact("REBOOT", servo_id, reboot_once)

    # -- internals ---------------------------------------------------------------------------

    @contextmanager
    def _hold(self, timeout: float | None) -> Iterator[None]:
        """One transaction at a time; an OS error on the port becomes a PortError."""
        if not self._lock.acquire(timeout=-1 if timeout is None else timeout):
            raise TimeoutError(f"{self.label or self.port}: bus busy with another transaction")
        try:
            yield
        except OSError as exc:  # pyserial's SerialException is one too
            raise PortError(f"port lost ({exc}); is the USB adapter still plugged in?",
                            port=self.label or self.port) from exc  # fmt: skip
        finally:
            self._lock.release()

    def _port(self) -> Any:
        if self._handler is None:
            raise PortError("port is not open", port=self.port)
        return self._handler

    def _read_unlocked(self, register: ct.Register, servo_id: int, check_alert: bool) -> int:
        def read_once() -> tuple[int, int, Any]:
            data, result, error = self._packets.readTxRx(
                self._port(), servo_id, register.address, register.size
            )
            return result, error if check_alert else error & ~ALERT_BIT, data

        data = self._transact(f"READ {register.name}", servo_id, read_once)
        return ct.decode(register, data)

    def _transact(
        self,
        what: str,
        servo_id: int | None,
        attempt: Callable[[], tuple[int, int, Any]],
        attempts: int | None = None,
    ) -> Any:
        """Run `attempt` until it succeeds; returns its payload or raises a named error.

        `attempt` returns (comm result, status error byte, payload); for a sync read that
        fails, the payload is the ID of the servo that failed.
        """
        attempts = attempts or self.max_attempts
        first: tuple[int | None, int] | None = None  # (servo, result) of the first failure
        for number in range(1, attempts + 1):
            self.stats.transactions += 1
            result, error, payload = attempt()
            if result == COMM_SUCCESS and not error:
                self.stats.retries += number - 1
                return payload
            failed_id = payload if servo_id is None and isinstance(payload, int) else servo_id
            if result == COMM_SUCCESS:
                raise self._status_error(what, failed_id, error)
            # Blame the first failure: a late reply can disturb the retries that follow it.
            first = first or (failed_id, result)
            if result not in (COMM_RX_TIMEOUT, COMM_RX_CORRUPT):
                break
            if number < attempts:
                log.warning(
                    "%s; retrying (attempt %d of %d)",
                    self._comm_error(what, failed_id, result, number), number + 1, attempts,
                )  # fmt: skip
        assert first is not None
        raise self._comm_error(what, first[0], first[1], number)

    def _where(self, servo_id: int | None) -> dict[str, Any]:
        port = f"{self.label} ({self.port})" if self.label else self.port
        return {"port": port, "servo_id": servo_id, "joint": self.joint_names.get(servo_id or -1)}

    def _comm_error(self, what: str, servo_id: int | None, result: int, attempts: int):
        where = self._where(servo_id)
        tries = f"{attempts} attempt" + ("s" if attempts > 1 else "")
        if result == COMM_RX_TIMEOUT:
            hint = "check power, cable, ID and baud rate"
            timer = latency_timer_ms(self.port)
            if timer and timer[1] > 1:
                hint += "; " + latency_hint(timer[0])
            return ServoTimeoutError(f"no reply to {what} after {tries}; {hint}", **where)
        if result == COMM_RX_CORRUPT:
            return ServoCorruptReplyError(
                f"corrupt reply to {what} after {tries}; check the cable and baud rate",
                **where,
            )
        return self._port_error(what, result)

    def _port_error(self, what: str, result: int) -> PortError:
        return PortError(f"{what}: {self._packets.getTxRxResult(result)}", port=self.port)

    def _status_error(self, what: str, servo_id: int | None, error: int) -> DynamixelError:
        where = self._where(servo_id)
        if error & ALERT_BIT and servo_id is not None:
            status = self._hardware_error_status(servo_id)
            names = ct.describe_hardware_error(status) or ["unknown hardware error"]
            return ServoHardwareError(
                f"hardware error: {', '.join(names)} (reboot the servo or power-cycle the arm)",
                errors=names,
                **where,
            )
        text = PACKET_ERRORS.get(error & ~ALERT_BIT, f"error {error}")
        return ServoStatusError(f"{what} refused: {text}", **where)

    def _hardware_error_status(self, servo_id: int) -> int:
        register = ct.get_register("Hardware_Error_Status")
        data, result, _ = self._packets.readTxRx(
            self._port(), servo_id, register.address, register.size
        )
        return ct.decode(register, data) if result == COMM_SUCCESS else 0

    def hardware_errors(self, servo_id: int) -> list[str]:
        """The servo's Hardware_Error_Status bits in words (empty when all is well)."""
        return ct.describe_hardware_error(self.read("Hardware_Error_Status", servo_id, False))
