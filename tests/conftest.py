"""Shared fixtures: one font library, corpus and render context per test session."""

from __future__ import annotations

import contextlib
import os

import pytest
from hypothesis import settings

os.environ.setdefault("OMP_NUM_THREADS", "1")  # two cores shared by two test workers
# wall-clock deadlines make property tests flaky on a loaded 2-core machine; the suite's timeout bounds time
settings.register_profile("textsynth", deadline=None)
settings.load_profile("textsynth")


@pytest.fixture(scope="session")
def fonts():
    from textsynth.sources.fonts import FontLibrary

    return FontLibrary.load()


@pytest.fixture(scope="session")
def corpus():
    from textsynth.sources.corpus import Corpus

    return Corpus.load()


@pytest.fixture(scope="session")
def ctx():
    """Render context over all built-in templates at a small size, for fast tests."""
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context

    return build_context(RenderConfig(seed=7, count=100, width=256, height=256))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """A small real run through the CLI with two workers: 3 shards."""
    from textsynth.cli import main

    out = tmp_path_factory.mktemp("demo") / "out"
    argv = ["render", "--out", str(out), "--count", "10", "--shard-size", "4", "--size", "256x256", "--seed", "3",
            "--workers", "2", "--no-progress"]  # fmt: skip
    assert main(argv) == 0
    return out


@contextlib.contextmanager
def registrations_undone():
    """Kinds, fillers and templates registered inside are removed afterwards (the built-ins stay)."""
    from textsynth.components.backgrounds import BACKGROUNDS
    from textsynth.components.decorations import DECORATIONS
    from textsynth.components.effects import EFFECTS
    from textsynth.components.geometry import GEOMETRY
    from textsynth.sources import fillers
    from textsynth.templates import registry as templates

    saved = [(r, list(r.names), dict(r._components)) for r in (BACKGROUNDS, DECORATIONS, EFFECTS, GEOMETRY)]
    saved_fillers, saved_templates = list(fillers.FILLER_KINDS), dict(templates._REGISTRY)
    try:
        yield
    finally:
        for registry, names, components in saved:
            registry.names[:] = names
            registry._components.clear()
            registry._components.update(components)
        fillers.FILLER_KINDS[:] = saved_fillers
        fillers._REGISTERED.clear()
        templates._REGISTRY.clear()
        templates._REGISTRY.update(saved_templates)
