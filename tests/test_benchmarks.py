"""The benchmarks still run against the current code (they are scripts nothing else imports)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _run(*argv: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.slow
def test_throughput_benchmark_prints_its_table():
    out = _run("benchmarks/throughput.py", "--n", "3", "--sizes", "128")
    assert "ratio" in out and "128" in out


@pytest.mark.slow
def test_memory_benchmark_prints_its_table():
    out = _run("benchmarks/memory.py", "--sizes", "128", "--rounds", "1", "--run-count", "4")
    assert "peak" in out.lower()


@pytest.mark.slow
def test_backdrop_benchmark_prints_its_table():
    out = _run("benchmarks/backdrop.py", "--n", "6", "--sizes", "128")
    assert "backdrop ms" in out and "128" in out


def test_cost_model_splits_a_per_image_cost_from_a_per_pixel_one():
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        import throughput
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    # 3 ms a sample + 12 ns a pixel; the floor 0.1 ms + 3 ns a pixel
    rows = [{"size": s, "ms": 3 + 12e-6 * s * s, "floor_ms": 0.1 + 3e-6 * s * s} for s in (256, 512, 1024)]
    fixed, per_px = throughput.cost_model(rows, "ms")
    assert fixed == pytest.approx(3.0) and per_px == pytest.approx(12.0)
    assert throughput.cost_model(rows, "floor_ms") == pytest.approx((0.1, 3.0))
