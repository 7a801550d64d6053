"""Peak resident memory of one render worker with every font face of the manifest in use.

    python benchmarks/memory.py [--sizes 512 1024] [--rounds 2] [--run-count 40]

Part 1 runs in a fresh child process, as a pool worker does: build the render context, render
ordinary samples, then render samples whose text items are re-set in each face in turn (every
face of the manifest, at every image size, at the font sizes the samplers pick) and rasterise
each face at a ladder of sizes (through the glyph cache of textsynth/sources/glyphs.py). The table shows resident memory after each phase and the peak.
Part 2 renders a real run with `--workers 2` and reports the largest worker's peak RSS.
The budget is 600 MB per worker.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

BUDGET_MB = 600
FONT_SIZES = (12, 24, 48, 96, 160, 256, 400)


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def rss_parts_mb() -> tuple[float, float]:
    """(anonymous, file-backed) resident MB: font files are memory-mapped, so they show as file pages."""
    parts = {}
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(("RssAnon:", "RssFile:")):
                parts[line.split(":")[0]] = int(line.split()[1]) / 1024
    return parts.get("RssAnon", 0.0), parts.get("RssFile", 0.0)


def font_maps() -> int:
    """How many memory maps of font files the process holds (one per open FreeType face)."""
    with open("/proc/self/maps") as handle:
        return sum(1 for line in handle if line.rstrip().endswith((".ttc", ".ttf", ".otf")))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_phases(sizes: list[int], rounds: int, glyph_cache_mb: int | None, queue) -> None:
    """Child process body: one row per phase (name, RSS, anon, file, font maps, peak RSS, seconds)."""
    rows, started = [], time.perf_counter()
    if glyph_cache_mb:  # try another bound on the rendered-glyph cache
        import textsynth.sources.glyphs as glyphs

        glyphs.GLYPH_CACHE_BYTES = glyph_cache_mb << 20

    def mark(name: str) -> None:
        rows.append((name, rss_mb(), *rss_parts_mb(), font_maps(), peak_mb(), time.perf_counter() - started))

    import cv2

    cv2.setNumThreads(1)
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context, make_sample
    from textsynth.render.compose import render_scene
    from textsynth.rng import sample_rng
    from textsynth.sampling.sampler import draw_scene
    from textsynth.sources.glyphs import get_face

    mark("imports")
    ctx = build_context(RenderConfig(seed=0, width=sizes[0], height=sizes[0]))
    faces = list(ctx.fonts.faces)
    mark(f"context ({len(faces)} faces, {len(ctx.templates)} templates)")
    for index in range(20):
        make_sample(ctx, index)
    mark(f"20 samples at {sizes[0]}²")
    sample_text = "中文字体渲染测试永和九年岁在癸丑暮春之初会于会稽山阴之兰亭"
    index = 1000
    for size in sizes:
        ctx.config.width = ctx.config.height = size
        for _ in range(rounds):
            for face in faces:
                index += 1
                rng = sample_rng(0, index)
                template = ctx.templates[int(rng.choice(len(ctx.templates), p=ctx.template_weights))]
                sampled = draw_scene(template, rng, ctx, index)
                for (
                    item
                ) in sampled.scene.texts:  # re-set every item in this face where its cmap covers the text
                    if ctx.fonts.covers(face.id, item.text):
                        item.font = face.id
                render_scene(sampled.scene, ctx.load_font, base=sampled.base)
                text = "".join(ch for ch in sample_text if ctx.fonts.covers(face.id, ch)) or face.family
                for font_size in FONT_SIZES:
                    sized = get_face(face, font_size)
                    for char in text:
                        sized.glyph(char)
        mark(f"every face × {rounds} at {size}², sizes {FONT_SIZES[0]}-{FONT_SIZES[-1]} px")
    mark("end")
    queue.put(rows)


def real_run_peak(count: int, size: int) -> tuple[float, float]:
    """Peak RSS of the largest worker of a real `workers=2` run, and the run's img/s."""
    mp_context = mp.get_context("spawn")
    queue = mp_context.Queue()
    child = mp_context.Process(target=_real_run, args=(count, size, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _real_run(count: int, size: int, queue) -> None:
    from textsynth.config import RenderConfig
    from textsynth.run.runner import run_render

    with tempfile.TemporaryDirectory() as out:
        config = RenderConfig(seed=0, count=count, shard_size=max(1, count // 4), width=size, height=size)
        summary = run_render(config.validate(), out, workers=2)
    # RUSAGE_CHILDREN: the largest peak among this process's finished children (the pool workers)
    queue.put((resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, summary.rendered_samples_per_s))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024], help="image sizes (square)")
    parser.add_argument("--rounds", type=int, default=2, help="passes over every face per image size")
    parser.add_argument("--glyph-cache-mb", type=int, help="bound on the rendered-glyph cache to try (MB)")
    parser.add_argument(
        "--run-count", type=int, default=40, help="samples of the real workers=2 run (0: skip)"
    )
    args = parser.parse_args()
    mp_context = mp.get_context("spawn")
    queue = mp_context.Queue()
    child = mp_context.Process(
        target=worker_phases, args=(args.sizes, args.rounds, args.glyph_cache_mb, queue)
    )
    child.start()
    rows = queue.get()
    child.join()
    print(
        f"{'phase (one worker process)':<56} {'RSS MB':>7} {'anon':>6} {'file':>6} {'maps':>5} {'peak MB':>8} {'s':>6}"
    )
    for name, rss, anon, file, maps, peak, seconds in rows:
        print(f"{name:<56} {rss:>7.0f} {anon:>6.0f} {file:>6.0f} {maps:>5} {peak:>8.0f} {seconds:>6.1f}")
    worst = rows[-1][-2]
    if args.run_count:
        run_peak, rate = real_run_peak(args.run_count, args.sizes[0])
        print(f"real run, workers=2, {args.run_count} samples at {args.sizes[0]}²: "
              f"largest worker peak {run_peak:.0f} MB ({rate:.1f} img/s)")  # fmt: skip
        worst = max(worst, run_peak)
    verdict = "within" if worst < BUDGET_MB else "OVER"
    print(f"peak per worker {worst:.0f} MB: {verdict} the {BUDGET_MB} MB budget")
    return 0 if worst < BUDGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
