"""Python's garbage collector set for rendering a shard, and set back as it was afterwards.

A sample makes about a thousand short-lived containers (scene, layouts, polygons) and frees them by
reference counting; at the default threshold (700) a young-generation pass ran in most samples and
walked that sample's live objects, and full passes walked everything the worker loaded once (fonts,
corpus, templates, caches: ~50k objects). Together 0.25-0.4 ms of CPU per 512² image.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

YOUNG_THRESHOLD = 10_000  # new container objects before a young pass: ~10 samples' worth of garbage cycles


@contextlib.contextmanager
def shard_collector() -> Iterator[None]:
    """Freeze what is alive now out of the collector's passes and collect the young rarely, until the end.

    Cycles still get collected (the passes run, only less often); the frozen objects return to the oldest
    generation afterwards, so a process that renders in-process (workers=1, tests) leaks nothing.
    """
    thresholds = gc.get_threshold()
    ours = gc.get_freeze_count() == 0  # an embedding program's own frozen objects stay frozen
    if ours:
        gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if ours:
            gc.unfreeze()
