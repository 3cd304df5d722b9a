"""π0 around transformers' PI0ForConditionalGeneration: presets, policy, training, checkpoints."""

from __future__ import annotations

__all__ = ["Policy"]


def __getattr__(name: str) -> object:
    """`from pi0_core import Policy` without importing torch for every pi0_core submodule."""
    if name == "Policy":
        from pi0_core.policy import Policy

        return Policy
    raise AttributeError(f"module 'pi0_core' has no attribute {name!r}")
