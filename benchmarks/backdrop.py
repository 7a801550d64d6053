"""Cost of the photo backdrop per warped sample, on one core.

    python benchmarks/backdrop.py [--n 30] [--sizes 512 1024]

For scenes of the placement templates (couplet, road sign, shop sign) with placement on: the warp
onto the backdrop (photo crop, drop shadow, composite) against the flat-surround warp it replaces.
CPU time of this process, best of three rounds, so a busy machine skews it less.
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import numpy as np

cv2.setNumThreads(1)


def bench(size: int, n: int) -> tuple[float, float]:
    from textsynth.components.effects import EFFECT_KINDS
    from textsynth.components.geometry import geometry_matrix, warp_image
    from textsynth.config import RenderConfig
    from textsynth.pipeline import build_context, make_sample
    from textsynth.render.backdrop import place_on_backdrop
    from textsynth.render.colors import hex_to_rgb
    from textsynth.templates.registry import resolve_templates

    config = RenderConfig(
        seed=1, width=size, height=size, effects=dict.fromkeys(EFFECT_KINDS, 0.0), geometry={"placement": 1.0}
    )
    ctx = build_context(config, resolve_templates(["couplet", "road_sign", "shop_sign"]))
    scenes = [s for s in (make_sample(ctx, i).scene for i in range(n)) if s.backdrop is not None]
    if not scenes:
        raise SystemExit("no photos installed: every backdrop is the flat fallback (`textsynth backgrounds`)")
    designs = [np.full((s.height, s.width, 3), 128, np.uint8) for s in scenes]

    def composed(scene) -> np.ndarray:
        matrix = np.eye(3)
        for g in scene.geometry:
            matrix = geometry_matrix(g, scene.width, scene.height) @ matrix
        return matrix

    def on_backdrop(scene, design):
        place_on_backdrop(design, composed(scene), scene.backdrop)

    def flat(scene, design):
        warp_image(design, composed(scene), hex_to_rgb(scene.geometry[-1].params["surround"]))

    def best_ms(step) -> float:
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for scene, design in zip(scenes, designs, strict=True):
                step(scene, design)
            best = min(best, (time.process_time() - start) / len(scenes))
        return 1000 * best

    return best_ms(on_backdrop), best_ms(flat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, default=30, help="scenes drawn per size (those with a backdrop are timed)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[512, 1024], help="render --size (square budget)"
    )
    args = parser.parse_args()
    print(f"{'size':>6}  {'backdrop ms':>11}  {'flat ms':>8}  {'extra ms':>8}")
    for size in args.sizes:
        backdrop, flat = bench(size, args.n)
        print(f"{size:>6}  {backdrop:>11.2f}  {flat:>8.2f}  {backdrop - flat:>8.2f}")


if __name__ == "__main__":
    main()
