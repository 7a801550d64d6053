"""Per-sample generators: the generator of SeedSequence([seed, index, stream]), for any such ints."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.rng import sample_rng

_INTS = st.one_of(st.integers(0, 2**32 + 5), st.integers(0, 2**70))


@settings(max_examples=80)
@given(_INTS, _INTS, st.integers(0, 6))
def test_sample_rng_is_the_seed_sequences_generator(seed, index, stream):
    ours = sample_rng(seed, index, stream)
    reference = np.random.default_rng(np.random.SeedSequence([seed, index, stream]))
    assert ours.bit_generator.state == reference.bit_generator.state
    assert ours.random(3).tolist() == reference.random(3).tolist()


def test_streams_and_indices_give_different_generators():
    draws = {sample_rng(0, index, stream).random() for index in range(3) for stream in range(3)}
    assert len(draws) == 9


def test_a_negative_seed_is_refused_as_seed_sequence_refuses_it():
    with pytest.raises(ValueError):
        sample_rng(-1, 0)
    with pytest.raises(ValueError):
        np.random.SeedSequence([-1, 0, 0])
