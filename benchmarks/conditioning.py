"""Extra cost of `--conditioning` maps, `--contours` and `--pairs` per sample, on one core.

    python benchmarks/conditioning.py [--n 100] [--sizes 512 1024]

CPU time of this process (not wall time, so a busy machine skews it less), interleaved per
sample: the plain sample (make_sample + JPEG) against each map's drawing and PNG encoding.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2

cv2.setNumThreads(1)


def bench(size: int, n: int) -> dict[str, float]:
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context, make_sample
    from textsynth.render.charset import run_charset
    from textsynth.render.conditioning import (
        KINDS,
        conditioning_maps,
        encode_maps,
        glyph_font_for,
    )
    from textsynth.run.worker import _record, pair_members

    config = RenderConfig(seed=0, width=size, height=size, conditioning=list(KINDS))
    ctx = build_context(config)
    charset = run_charset(ctx.corpus, ctx.fonts)[1]
    standard = glyph_font_for(ctx.fonts, "noto-sans-sc-regular")
    for i in range(3):  # warm caches as a long-running worker has them
        sample = make_sample(ctx, 10_000 + i)
        encode_maps(conditioning_maps(sample.scene, ctx.load_font, KINDS, charset, standard))
    costs: dict[str, float] = {}

    def timed(name, fn, *args):
        t = time.process_time()
        out = fn(*args)
        costs[name] = costs.get(name, 0.0) + time.process_time() - t
        return out

    def maps(scene, kinds, index=None, face=None):
        return encode_maps(conditioning_maps(scene, ctx.load_font, kinds, index, face))

    for index in range(n):
        sample = timed("sample", make_sample, ctx, index)
        timed("jpg", sample.encode, "jpg")
        for kind in KINDS:
            timed(kind, maps, sample.scene, [kind], charset)
        timed("all three", maps, sample.scene, KINDS, charset)
        timed("glyph, standard face", maps, sample.scene, ["glyph"], None, standard)
        ctx.config.contours = True
        timed("contours", _record, ctx, sample)
        ctx.config.contours = False
        ctx.config.conditioning = []
        timed("pair", pair_members, ctx, sample)
        ctx.config.conditioning = list(KINDS)
    return {name: 1000 * total / n for name, total in costs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=100, help="samples per size")
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024], help="square image sizes")
    args = parser.parse_args()
    for size in args.sizes:
        costs = bench(size, args.n)
        base = costs["sample"] + costs["jpg"]
        print(
            f"{size}²: sample + jpg {base:.1f} ms; "
            + ", ".join(f"{name} {ms:.1f} ms ({ms / base:.0%})" for name, ms in costs.items())
        )


if __name__ == "__main__":
    main()
