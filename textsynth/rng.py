"""The only source of randomness: one numpy Generator per (seed, sample index)."""

from __future__ import annotations

import numpy as np

_WORD = 0xFFFFFFFF


def sample_rng(seed: int, index: int, stream: int = 0) -> np.random.Generator:
    """Generator for one sample; independent of worker count, shard size and resume.

    `stream` separates independent uses of the same sample (e.g. a re-sample after
    a failed quality check) without shifting the draws of stream 0.

    The generator of `np.random.SeedSequence([seed, index, stream])`: SeedSequence turns a list of ints
    into 32-bit words (low word first, one word for 0) through a few numpy calls per int; handed the
    words themselves it makes the same pool, so the same generator, without them (this runs per sample).
    """
    words = []
    for value in (int(seed), int(index), int(stream)):
        if value < 0:
            raise ValueError(f"seed, index and stream must be non-negative, got {value}")
        words.append(value & _WORD)
        value >>= 32
        while value:
            words.append(value & _WORD)
            value >>= 32
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(words, np.uint32))))


def child_seed(rng: np.random.Generator) -> int:
    """Draw a 32-bit seed to record in params, for effects that need their own noise."""
    return int(rng.integers(0, 2**31 - 1))
