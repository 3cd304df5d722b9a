"""torch.compile with a clean fall back to eager when it is missing or fails."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import torch

log = logging.getLogger(__name__)


class CompiledOrEager:
    """Calls the compiled function; on its first failure, warns once and stays eager."""

    def __init__(self, eager: Callable[..., Any], compiled: Callable[..., Any] | None, name: str):
        self.eager = eager
        self.compiled = compiled
        self.name = name

    @property
    def is_compiled(self) -> bool:
        """Whether calls still go through the compiled graph."""
        return self.compiled is not None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.compiled is None:
            return self.eager(*args, **kwargs)
        try:
            return self.compiled(*args, **kwargs)
        except Exception as exc:  # any compiler failure: the eager function computes the same
            log.warning(
                "torch.compile of %s failed, running eager: %s", self.name, _first_line(exc)
            )
            self.compiled = None
            return self.eager(*args, **kwargs)


def maybe_compile(
    function: Callable[..., Any],
    enabled: bool,
    name: str,
    mode: str | None = None,
    backend: str = "inductor",
) -> CompiledOrEager:
    """Wrap function with torch.compile when enabled and available, else keep it eager."""
    if not enabled:
        return CompiledOrEager(function, None, name)
    compiler = getattr(torch, "compile", None)
    if compiler is None:
        log.warning("torch.compile is not available in this torch; %s runs eager", name)
        return CompiledOrEager(function, None, name)
    try:
        compiled = compiler(function, mode=mode, backend=backend, dynamic=False)
    except Exception as exc:  # e.g. unsupported Python version or platform
        log.warning("torch.compile unavailable for %s, running eager: %s", name, _first_line(exc))
        return CompiledOrEager(function, None, name)
    return CompiledOrEager(function, compiled, name)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else ''}"
