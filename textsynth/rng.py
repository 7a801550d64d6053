"""The only source of randomness: one numpy Generator per (seed, sample index)."""

from __future__ import annotations

import numpy as np


def sample_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Generator for one sample; independent of worker count, shard size and resume.

    `stream` separates independent uses of the same sample (e.g. a re-sample after
    a failed quality check) without shifting the draws of stream 0.
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(index), int(stream)]))


def child_seed(rng: np.random.Generator) -> int:
    """Draw a 32-bit seed to record in params, for effects that need their own noise."""
    return int(rng.integers(0, 2**31 - 1))
