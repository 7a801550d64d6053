"""Whole-run throughput on one core vs the JPEG-encode floor of the same images (issue 16).

    python benchmarks/throughput.py [--n 200] [--sizes 512 1024] [--runs 3] [--templates NAME,...]

Each size runs in its own process pinned to one core: the real `textsynth render --workers 1`
entry point renders --n images into a temporary folder (sampling, legibility check, rendering,
captions, JPEG, tar, manifest), --runs times; the median run gives images/s per core and ms per
image. The floor is Pillow's JPEG encode of that run's own images, each encoded a second time
(at its quality) right after the run encodes it, so both see the same load; that second encode is
taken off the run's time. Ratio = ms per image / floor ms (issue 16's goal: < 6 at
512², < 4 at 1024²); "cpu ratio" is the same with CPU time, steadier on a shared machine (wall time
also holds the shards' fsync). A second table splits the median run into stages, timed by thin
wrappers around the functions the run calls, so people see where the time goes; with two or
more sizes a line fitted through them splits the cost into a part per image and a part per pixel.
Peak RSS is the worker process's (with --workers 1 the run renders in that one process); "private"
is its anonymous memory at the end, without the font files (and decoded photos of older records) it
maps, which all workers share.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]

# stage name -> (module, attribute): the function the run calls for that stage, looked up where it is called
STAGES = {
    "sample": ("textsynth.pipeline", "draw_scene"),
    "legibility": ("textsynth.qa.legibility", "check_sample"),
    "render": ("textsynth.pipeline", "render_scene"),
    "captions": ("textsynth.pipeline", "make_captions"),
    "encode": ("textsynth.pipeline", "Sample.encode"),
    "record": ("textsynth.run.worker", "_record"),
    "json": ("textsynth.run.worker", "record_bytes"),  # KEY.json's bytes from the record
    "tar": ("textsynth.io.shards", "ShardWriter.add"),  # an older checkout: run.worker.write_shard
    "write": ("textsynth.io.shards", "ShardWriter.finish"),  # fsync and rename
    "manifest": ("textsynth.io.manifest_log", "ManifestLog.add"),
}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def anon_rss_mb() -> float | None:
    """This process's private resident memory now (Linux): RSS less the font and photo-cache file pages,
    which every worker on a machine shares through the page cache."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            fields = dict(line.split(":", 1) for line in status)
        return int(fields["RssAnon"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None


@contextlib.contextmanager
def stage_timers(totals: dict[str, float]):
    """Wrap each stage's function so a whole run adds its time into `totals` (a few µs per call)."""
    import importlib

    undo = []
    for stage, (module_name, attr) in STAGES.items():
        *path, name = attr.split(".")
        try:
            owner = importlib.import_module(module_name)
            for part in path:
                owner = getattr(owner, part)
            original = getattr(owner, name)
        except (ImportError, AttributeError):  # an older checkout: that stage's time shows under "other"
            continue

        def timed(*args, _original=original, _stage=stage, **kwargs):
            t0 = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                totals[_stage] += time.perf_counter() - t0

        setattr(owner, name, functools.wraps(original)(timed))
        undo.append((owner, name, original))
    try:
        yield
    finally:
        for owner, name, original in undo:
            setattr(owner, name, original)


@contextlib.contextmanager
def jpeg_floor(floor: dict[str, float]):
    """As each image is encoded for its shard, time Pillow encoding that same image again, right then.

    Measured beside the run, the floor sees the same machine load as the images it is compared with;
    the seconds this costs (`spent`, wall and CPU) are taken off the run's own time.
    """
    from PIL import Image

    from textsynth.pipeline import Sample

    original = Sample.encode

    def encode(self, image_format: str = "jpg") -> bytes:
        data = original(self, image_format)
        t0, c0 = time.perf_counter(), time.process_time()
        image = Image.fromarray(self.image)
        t1, c1 = time.perf_counter(), time.process_time()
        image.save(io.BytesIO(), format="JPEG", quality=self.scene.jpeg_quality)
        t2, c2 = time.perf_counter(), time.process_time()
        floor["wall"] += t2 - t1
        floor["cpu"] += c2 - c1
        floor["spent_wall"] += t2 - t0
        floor["spent_cpu"] += c2 - c0
        floor["n"] += 1
        return data

    Sample.encode = encode
    try:
        yield
    finally:
        Sample.encode = original


def one_run(size: int, n: int, templates: str | None, shard_size: int) -> dict:
    """One `textsynth render --workers 1` run in this process; whole-run and per-stage seconds."""
    from textsynth import cli
    from textsynth.run import runner

    run_s = [0.0, 0.0]  # wall, CPU
    original_run_into = runner._run_into

    def timed_run_into(*args, **kwargs):  # the run itself: from planning to the last manifest write
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            return original_run_into(*args, **kwargs)
        finally:
            run_s[:] = time.perf_counter() - t0, time.process_time() - c0

    totals = dict.fromkeys(STAGES, 0.0)
    floor = dict.fromkeys(("wall", "cpu", "spent_wall", "spent_cpu", "n"), 0.0)
    with tempfile.TemporaryDirectory(prefix="textsynth-bench-") as tmp:
        out = Path(tmp) / "out"
        argv = ["render", "--out", str(out), "--count", str(n), "--workers", "1", "--seed", "0",
                "--size", f"{size}x{size}", "--shard-size", str(shard_size), "--no-progress"]  # fmt: skip
        if templates:
            argv += ["--templates", templates]
        t0 = time.perf_counter()
        runner._run_into = timed_run_into
        try:
            with stage_timers(totals), jpeg_floor(floor), contextlib.redirect_stderr(io.StringIO()):
                code = cli.main(argv)
        finally:
            runner._run_into = original_run_into
        command_s = time.perf_counter() - t0
        if code != 0:
            raise SystemExit(f"textsynth {' '.join(argv)} failed with exit code {code}")
    assert floor["n"] == n, (floor["n"], n)
    run_wall, run_cpu = run_s[0] - floor["spent_wall"], run_s[1] - floor["spent_cpu"]
    return {
        "run_s": run_wall, "cpu_s": run_cpu, "startup_s": command_s - run_s[0], "floor_s": floor["wall"],
        "floor_cpu_s": floor["cpu"], "stages": totals,
    }  # fmt: skip


def bench_size(size: int, n: int, runs: int, templates: str | None, shard_size: int) -> dict:
    """Median of `runs` whole runs at one size (called in a process of its own, pinned to one core)."""
    import cv2

    cv2.setNumThreads(1)
    one_run(
        size, min(n, 20), templates, shard_size
    )  # warm font, cmap and photo caches, as a long run has them
    done = sorted((one_run(size, n, templates, shard_size) for _ in range(runs)), key=lambda r: r["run_s"])
    median = done[len(done) // 2]
    per_image = median["run_s"] / n
    floor = median["floor_s"] / n
    return {
        "size": size,
        "n": n,
        "runs": runs,
        "img_s": 1.0 / per_image,
        "ms": 1000 * per_image,
        "floor_ms": 1000 * floor,
        "ratio": per_image / floor,
        "ratio_spread": [round(r["run_s"] / r["floor_s"], 2) for r in done],
        # CPU time of the run over CPU time of the floor: steadier than wall time on a shared machine
        "cpu_ms": 1000 * median["cpu_s"] / n,
        "cpu_ratio": median["cpu_s"] / median["floor_cpu_s"],
        "startup_s": median["startup_s"],
        "stages_ms": {k: 1000 * v / n for k, v in median["stages"].items()},
        "peak_rss_mb": peak_rss_mb(),
        "anon_rss_mb": anon_rss_mb(),
    }


def run_pinned(size: int, args: argparse.Namespace) -> dict:
    """bench_size in a fresh process on one core, so RSS and caches are that size's alone."""
    argv = [sys.executable, __file__, "--one-size", str(size), "--n", str(args.n), "--runs", str(args.runs),
            "--shard-size", str(args.shard_size)]  # fmt: skip
    if args.templates:
        argv += ["--templates", args.templates]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark at {size}² failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def print_tables(rows: list[dict]) -> None:
    header = (
        f"{'size':>6} {'n':>5} {'img/s/core':>10} {'ms/image':>9} {'jpeg floor':>10} {'ratio':>6} "
        f"{'(runs)':>18} {'goal':>5} {'cpu ratio':>9} {'peak RSS':>9} {'private':>8} {'startup':>8}"
    )
    print("whole `textsynth render --workers 1` run, one core, median of runs")
    print(header)
    print("-" * len(header))
    for r in rows:
        goal = 6 if r["size"] <= 512 else 4
        spread = "/".join(f"{x:.1f}" for x in r["ratio_spread"])
        private = f"{r['anon_rss_mb']:.0f}MB" if r.get("anon_rss_mb") else "-"
        print(
            f"{r['size']:>5}² {r['n']:>5} {r['img_s']:>10.1f} {r['ms']:>7.2f}ms {r['floor_ms']:>8.2f}ms "
            f"{r['ratio']:>6.2f} {spread:>18} {goal:>5} {r['cpu_ratio']:>9.2f} {r['peak_rss_mb']:>7.0f}MB "
            f"{private:>8} {r['startup_s']:>7.1f}s"
        )
    stages = list(STAGES)
    header = f"{'size':>6} " + " ".join(f"{s:>10}" for s in stages) + f" {'other':>8}"
    print("\nper stage of the median run, ms per image (other: what no stage holds, e.g. the run's plumbing)")
    print(header)
    print("-" * len(header))
    for r in rows:
        other = r["ms"] - sum(r["stages_ms"].values())
        cells = " ".join(f"{r['stages_ms'][s]:>8.2f}ms" for s in stages)
        print(f"{r['size']:>5}² {cells} {other:>6.2f}ms")


def cost_model(rows: list[dict], key: str) -> tuple[float, float]:
    """Least-squares line through (pixels, ms) of the rows: (ms per sample at no pixels, ns per pixel).

    The run and the JPEG floor grow differently with the canvas: a per-sample cost that no pixel pays
    (Python, sampling, captions, records) weighs most at small sizes, and the ratio of the two slopes
    is the best ratio any size can reach while both stay as they are."""
    xs = [float(r["size"]) ** 2 for r in rows]
    ys = [r[key] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)
    return my - slope * mx, slope * 1e6


def print_cost_model(rows: list[dict]) -> None:
    fixed, per_px = cost_model(rows, "ms")
    floor_fixed, floor_per_px = cost_model(rows, "floor_ms")
    print(
        f"\ncost per image ≈ {fixed:.2f} ms + {per_px:.1f} ns/pixel; JPEG floor ≈ {floor_fixed:.2f} ms + "
        f"{floor_per_px:.2f} ns/pixel (fit over {len(rows)} sizes): the ratio falls towards "
        f"{per_px / floor_per_px:.1f} as the canvas grows"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="images per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the median run is reported")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[512, 1024],
        help="square canvas sizes (templates keep the area)",
    )
    parser.add_argument("--templates", help="comma-separated templates (default: all built-in)")
    parser.add_argument(
        "--shard-size", type=int, default=100, help="samples per shard (tar and manifest costs count)"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    parser.add_argument("--one-size", type=int, help=argparse.SUPPRESS)  # the pinned child process
    args = parser.parse_args()
    if args.one_size:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        print(json.dumps(bench_size(args.one_size, args.n, args.runs, args.templates, args.shard_size)))
        return 0
    rows = [run_pinned(size, args) for size in args.sizes]
    print_tables(rows)
    if len({r["size"] for r in rows}) > 1:
        print_cost_model(rows)
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
