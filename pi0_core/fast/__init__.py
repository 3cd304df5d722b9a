"""Fast π0 inference: the stock network, sampled with less work per chunk."""

from pi0_core.fast.options import BASELINE_OPTIONS, FastOptions, default_options
from pi0_core.fast.sampler import FastSampler, fast_sample_actions

__all__ = [
    "BASELINE_OPTIONS",
    "FastOptions",
    "FastSampler",
    "default_options",
    "fast_sample_actions",
]
