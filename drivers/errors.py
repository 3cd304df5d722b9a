"""Errors raised by device drivers; each message names the device and what went wrong."""


class DeviceError(RuntimeError):
    """A device failed in a way the user must hear about (port, servo, camera)."""


class NotConnectedError(DeviceError):
    """A device was used before `connect()` or after `disconnect()`."""
