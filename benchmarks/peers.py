"""Recognition crops per second, equal work, against trdg and SynthTIGER in their own venvs.

    python benchmarks/peers.py --setup            # once: venvs for trdg and SynthTIGER under ~/.cache
    python benchmarks/peers.py [--n 1000]

Equal work: the same corpus words, the same face (LXGW WenKai regular: a one-face file, so every
tool loads the same face),
dark text on a plain light background, 48 px tall, no effects, each crop JPEG-encoded (quality 95)
in memory. Rows: a bare Pillow floor (ImageDraw.text + encode); textsynth's own text layer
(layout_block + draw_text_layer, composited on a canvas); trdg's GeneratorFromStrings; SynthTIGER's
TextLayer + RectLayer merge. For reference, not equal work: textsynth's full pipeline (a whole
poster scene with backgrounds and effects, then rectified crops of every text in it).
Times are CPU seconds of the measuring process, one core each, so a busy machine skews them less.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

HEIGHT = 48
FACE = "lxgw-wenkai-regular"  # face 0 of its file: the peers cannot pick a face inside a collection
VENVS = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "textsynth" / "peers"
PEERS = {
    # name: pip requirements. Both call FreeTypeFont.getsize (gone in Pillow 10); SynthTIGER's
    # imgaug needs numpy < 2, an OpenCV built for it, and a scikit-image that takes Pillow 9
    "trdg": ["trdg==1.8.0", "pillow<10"],
    "synthtiger": ["synthtiger==1.2.1", "numpy<2", "opencv-python<4.11", "pillow<10", "scikit-image<0.22"],
}

# Each peer script reads {"words", "font", "height"} as JSON on stdin and prints {"crops", "cpu_s"}.
TRDG = """
import io, json, sys, time
from trdg.generators import GeneratorFromStrings
job = json.load(sys.stdin)
gen = GeneratorFromStrings(job["words"], count=len(job["words"]), fonts=[job["font"]], language="cn",
                           size=job["height"], background_type=1, margins=(0, 0, 0, 0), text_color="#282828")
next(iter(GeneratorFromStrings(job["words"][:1], count=1, fonts=[job["font"]], size=job["height"])))  # warm
t = time.process_time()
n = 0
for image, label in gen:
    buf = io.BytesIO(); image.convert("RGB").save(buf, format="JPEG", quality=95); n += 1
print(json.dumps({"crops": n, "cpu_s": time.process_time() - t}))
"""

SYNTHTIGER = """
import io, json, sys, time
import numpy as np
from PIL import Image
from synthtiger import layers
job = json.load(sys.stdin)
def crop(word):
    fg = layers.TextLayer(word, path=job["font"], size=job["height"], color=(40, 40, 40, 255))
    bg = layers.RectLayer(fg.size, (245, 245, 245, 255))
    bg.topleft = fg.topleft
    image = layers.Group([fg, bg]).merge().output()
    buf = io.BytesIO(); Image.fromarray(image[..., :3].clip(0, 255).astype(np.uint8)).save(buf, format="JPEG", quality=95)
crop(job["words"][0])  # warm
t = time.process_time()
for word in job["words"]:
    crop(word)
print(json.dumps({"crops": len(job["words"]), "cpu_s": time.process_time() - t}))
"""


def pillow_floor(words: list[str], font_path: str) -> dict:
    import io

    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(font_path, HEIGHT)
    t = time.process_time()
    for word in words:
        left, top, right, bottom = font.getbbox(word)
        image = Image.new("RGB", (right - left, bottom - top), (245, 245, 245))
        ImageDraw.Draw(image).text((-left, -top), word, font=font, fill=(40, 40, 40))
        image.save(io.BytesIO(), format="JPEG", quality=95)
    return {"crops": len(words), "cpu_s": time.process_time() - t}


def textsynth_layer(words: list[str], face_id: str) -> dict:
    import cv2
    import numpy as np

    from textsynth.render.compose import paste_layer, translation
    from textsynth.render.layout import layout_block
    from textsynth.render.text import draw_text_layer
    from textsynth.scene import Fill, TextItem, TextStyle
    from textsynth.sources.fonts import get_font

    font = get_font(face_id, HEIGHT)
    style = TextStyle(fill=Fill(colors=["#282828"]))
    t = time.process_time()
    for word in words:
        item = TextItem(
            text=word,
            role="word",
            font=face_id,
            size_px=HEIGHT,
            direction="ltr",
            box=(0, 0, 0, 0),
            style=style,
        )
        layout = layout_block(item, font)
        canvas = np.full((HEIGHT, max(1, int(np.ceil(layout.width))), 3), 245, np.uint8)
        paste_layer(canvas, draw_text_layer(item, layout, font), translation(0, 0))
        cv2.imencode(".jpg", canvas[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    return {"crops": len(words), "cpu_s": time.process_time() - t}


def textsynth_pipeline(n_samples: int) -> dict:
    """Not equal work: whole scenes, then a rectified crop of every text line in them."""
    from textsynth.config import RenderConfig
    from textsynth.io.crops import encode_jpeg, rectify
    from textsynth.io.regions import text_regions
    from textsynth.pipeline import build_context, make_sample

    ctx = build_context(RenderConfig(seed=0, width=512, height=512))
    make_sample(ctx, 10_000)
    crops = 0
    t = time.process_time()
    for index in range(n_samples):
        sample = make_sample(ctx, index)
        for text in sample.record()["texts"]:
            for region in text_regions(text, "line"):
                encode_jpeg(rectify(sample.image, region, HEIGHT))
                crops += 1
    return {"crops": crops, "cpu_s": time.process_time() - t}


def run_peer(name: str, script: str, job: dict) -> dict | str:
    python = VENVS / name / "bin" / "python"
    if not python.exists():
        return f"no venv at {python.parent.parent}; run with --setup"
    result = subprocess.run([str(python), "-c", script], input=json.dumps(job), capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})  # fmt: skip
    if result.returncode != 0:
        return "failed: " + result.stderr.strip().splitlines()[-1]
    return json.loads(result.stdout.strip().splitlines()[-1])


def setup() -> None:
    for name, requirements in PEERS.items():
        venv = VENVS / name
        if not (venv / "bin" / "python").exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *requirements], check=True
        )
        print(f"{name}: {venv}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="words (crops) per tool")
    parser.add_argument("--scenes", type=int, default=100, help="scenes for the full-pipeline reference row")
    parser.add_argument(
        "--setup", action="store_true", help="create the peers' venvs and install them, then exit"
    )
    args = parser.parse_args()
    if args.setup:
        setup()
        return
    from textsynth.sources.corpus import Corpus
    from textsynth.sources.fonts import FontLibrary

    face = FontLibrary.load().face(FACE)
    words = Corpus.load().words[: args.n]
    job = {"words": words, "font": face.file, "height": HEIGHT}
    rows = {
        "Pillow floor (draw + JPEG)": pillow_floor(words, face.file),
        "textsynth text layer": textsynth_layer(words, face.id),
        "trdg 1.8 GeneratorFromStrings": run_peer("trdg", TRDG, job),
        "SynthTIGER 1.2 TextLayer": run_peer("synthtiger", SYNTHTIGER, job),
        "textsynth full pipeline (not equal work)": textsynth_pipeline(args.scenes),
    }
    floor = rows["Pillow floor (draw + JPEG)"]
    floor_rate = floor["crops"] / floor["cpu_s"]
    print(f"{'tool':42} {'crops/s':>9} {'vs floor':>9}")
    for name, row in rows.items():
        if isinstance(row, str):
            print(f"{name:42} {row}")
            continue
        rate = row["crops"] / row["cpu_s"]
        print(f"{name:42} {rate:9.0f} {rate / floor_rate:9.2f}")


if __name__ == "__main__":
    main()
