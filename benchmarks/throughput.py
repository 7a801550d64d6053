"""Render throughput on one core vs the JPEG-encode floor, measured in the same run.

    python benchmarks/throughput.py [--n 200] [--sizes 512 1024] [--templates NAME,...]

Prints images/s per core, per-stage milliseconds, peak RSS, and the ratio of the full
per-image time (sample + render + caption + encode) to Pillow's JPEG encode of the same images.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import cv2
from PIL import Image

cv2.setNumThreads(1)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(size: int, n: int, templates: str | None) -> dict:
    from textsynth.captions import make_captions
    from textsynth.config import RenderConfig, parse_template_weights
    from textsynth.pipeline import build_context
    from textsynth.render.compose import render_scene
    from textsynth.rng import sample_rng
    from textsynth.sampling.sampler import draw_scene

    config = RenderConfig(seed=0, count=n, width=size, height=size)
    if templates:
        config.templates = parse_template_weights(templates)
    ctx = build_context(config)
    for i in range(3):  # warm font and cmap caches, as a long-running worker has them
        from textsynth.pipeline import make_sample

        make_sample(ctx, 10_000 + i)
    t_sample = t_render = t_caption = t_encode = t_floor = 0.0
    shapes = set()
    for index in range(n):
        t0 = time.perf_counter()
        rng = sample_rng(config.seed, index)
        template = ctx.templates[int(rng.choice(len(ctx.templates), p=ctx.template_weights))]
        sampled = draw_scene(template, rng, ctx, index)
        t1 = time.perf_counter()
        rendered = render_scene(sampled.scene, ctx.load_font, base=sampled.base, own_base=True)
        t2 = time.perf_counter()
        make_captions(sampled.scene, rng, [t.polygon for t in rendered.texts])
        t3 = time.perf_counter()
        image = Image.fromarray(rendered.image)
        image.save(io.BytesIO(), format="JPEG", quality=sampled.scene.jpeg_quality)
        t4 = time.perf_counter()
        # the floor: encoding the very same image again, nothing else
        image.save(io.BytesIO(), format="JPEG", quality=sampled.scene.jpeg_quality)
        t5 = time.perf_counter()
        t_sample += t1 - t0
        t_render += t2 - t1
        t_caption += t3 - t2
        t_encode += t4 - t3
        t_floor += t5 - t4
        shapes.add(rendered.image.shape)
    floor = t_floor / n
    total = (t_sample + t_render + t_caption + t_encode) / n
    return {
        "size": f"{size}x{size}" if shapes == {(size, size, 3)} else f"~{size}²",
        "n": n,
        "img_s": 1.0 / total,
        "sample_ms": 1000 * t_sample / n,
        "render_ms": 1000 * t_render / n,
        "caption_ms": 1000 * t_caption / n,
        "encode_ms": 1000 * t_encode / n,
        "floor_ms": 1000 * floor,
        "ratio": total / floor,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="images per size")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[512, 1024],
        help="canvas sizes (square area; templates keep it)",
    )
    parser.add_argument("--templates", help="comma-separated templates (default: all built-in)")
    args = parser.parse_args()
    rows = [bench(size, args.n, args.templates) for size in args.sizes]
    header = f"{'size':>10} {'n':>5} {'img/s/core':>10} {'sample':>7} {'render':>7} {'caption':>7} {'encode':>7} {'jpeg floor':>10} {'ratio':>6} {'peak RSS':>9}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['size']:>10} {r['n']:>5} {r['img_s']:>10.1f} {r['sample_ms']:>6.1f}ms {r['render_ms']:>6.1f}ms "
            f"{r['caption_ms']:>6.2f}ms {r['encode_ms']:>6.1f}ms {r['floor_ms']:>8.2f}ms {r['ratio']:>6.2f} {r['peak_rss_mb']:>7.0f}MB"
        )
    print(
        "\nimg/s/core and ratio count the whole sample (sample + render + caption + encode); the floor is a second"
        "\nJPEG encode of the same image; ratio = whole sample / floor (goal < 4). ~N²: templates vary the aspect, same area.",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
