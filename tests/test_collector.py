"""The garbage collector's settings while a shard renders, and the process's own settings afterwards."""

from __future__ import annotations

import gc
import weakref

import pytest

from textsynth.io.shards import Output, ShardPlan
from textsynth.run.collector import YOUNG_THRESHOLD, shard_collector
from textsynth.run.worker import RenderWorker, ShardStats


class _Node:
    """A container that can sit in a reference cycle (only the collector frees those)."""

    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_settings_come_back_after_a_shard_even_one_that_fails():
    before = gc.get_threshold(), gc.get_freeze_count()
    with shard_collector():
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # what was alive at the start is out of the passes
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    with pytest.raises(RuntimeError), shard_collector():
        raise RuntimeError("a sample failed")
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


def test_cycles_made_during_a_shard_are_still_collected():
    with shard_collector():
        dead = _cycle()
        gc.collect()
        assert dead() is None


def test_a_cycle_from_before_the_shard_is_collected_once_it_ends():
    gc.collect()
    dead = _cycle()  # garbage already, but only a collection frees it: frozen for the shard, not leaked
    with shard_collector():
        gc.collect()
        assert dead() is not None
    gc.collect()
    assert dead() is None


def test_an_embedding_programs_frozen_objects_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with shard_collector():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_rendering_a_shard_in_process_leaves_the_collector_as_it_was(ctx, tmp_path):
    before = gc.get_threshold(), gc.get_freeze_count()
    result = RenderWorker(ctx).process(ShardPlan(0, 0, 3), Output(tmp_path))
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert result.stats["samples"] == 3 and result.stats["texts"] == sum(result.stats["directions"].values())


def test_stats_added_sample_by_sample_count_every_sample(ctx):
    """The shard's counters, kept as each sample is written (the samples are not kept), count them all."""
    from collections import Counter

    from textsynth.pipeline import make_sample

    samples = [make_sample(ctx, index) for index in range(4)]
    counters = ShardStats()
    for sample in samples:
        counters.add(sample)
    stats = counters.to_json()
    items = [item for s in samples for item in s.scene.texts]
    assert stats["samples"] == 4 and stats["texts"] == len(items)
    assert stats["templates"] == dict(Counter(s.scene.template for s in samples))
    assert stats["fonts"] == dict(Counter(item.font for item in items))
    assert stats["resampled"] == sum(s.resampled for s in samples)
    assert stats["samples_without_primary"] == sum(not any(t.primary for t in s.scene.texts) for s in samples)
    assert stats["directions"] == dict(Counter(item.direction for item in items))
    layers = [layer.name for s in samples for layer in (*s.scene.geometry, *s.scene.effects)]
    assert stats["effects"] == dict(Counter(layers))
