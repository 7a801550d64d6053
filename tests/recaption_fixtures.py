"""Images whose text is known, for the recaption tests and benchmark: real renders and photos with words on them.

Half are textsynth samples (`render_sample`'s templates, their laid-out lines are the truth);
half are crops of the photos in photos_manifest.yaml with corpus words drawn on them in a CJK
font (the photo's own caption becomes a sidecar NAME.txt, to be fused). Photos are written as
PNG, so the re-encoding path is used too.
"""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageDraw

from textsynth.rng import sample_rng

SIZE = (384, 384)
TEMPLATES = ("promo_poster", "shop_sign", "book_cover", "couplet", "road_sign", "event_poster",
             "storefront_banner", "public_notice", "menu_board", "scene_text_photo")  # fmt: skip


def make_known_text_images(folder: Path, count: int, seed: int = 0) -> dict[str, list[str]]:
    """Write `count` images into `folder`; return {relative file name: the text lines drawn on it}."""
    import textsynth
    from textsynth.config import RenderConfig
    from textsynth.sources.corpus import Corpus
    from textsynth.sources.fonts import FontLibrary, get_font
    from textsynth.sources.photos import load_photos, render_photo_crop, sample_photo_crop
    from textsynth.templates import resolve_templates

    folder.mkdir(parents=True, exist_ok=True)
    config = RenderConfig(seed=seed, width=SIZE[0], height=SIZE[1], templates=dict.fromkeys(TEMPLATES, 1.0))
    ctx = textsynth.build_context(config, resolve_templates(list(TEMPLATES)))
    photos = load_photos().photos
    fonts = FontLibrary.load()
    words = [w for w in Corpus.load().words[:5000] if 2 <= len(w) <= 6]
    truth: dict[str, list[str]] = {}
    for index in range(count):
        if index % 2 == 0 or not photos:
            sample = textsynth.make_sample(ctx, index)
            name = f"render/{index:04d}.jpg"
            Image.fromarray(sample.image).save(_mkdir(folder, name), quality=92)
            truth[name] = [line.strip() for item in sample.scene.texts for line in item.lines if line.strip()]
        else:
            rng = sample_rng(seed, index, stream=9)
            photo = photos[int(rng.integers(len(photos)))]
            image = Image.fromarray(render_photo_crop(sample_photo_crop(rng, photo, *SIZE), *SIZE))
            draw = ImageDraw.Draw(image)
            lines, top = [], 30
            for _ in range(int(rng.integers(1, 4))):
                word = words[int(rng.integers(len(words)))]
                face = fonts.choose(word, rng, styles=["sans", "serif"])
                size = int(rng.integers(28, 56))
                font = get_font(face, size)
                x = int(rng.integers(10, max(11, SIZE[0] - size * len(word) - 10)))
                light = bool(rng.random() < 0.5)
                draw.text((x, top), word, font=font, fill=(255, 255, 255) if light else (20, 20, 20),
                          stroke_width=2, stroke_fill=(0, 0, 0) if light else (255, 255, 255))  # fmt: skip
                lines.append(word)
                top += size + int(rng.integers(40, 80))
                if top > SIZE[1] - 60:
                    break
            name = f"photo/{index:04d}.png"
            image.save(_mkdir(folder, name))
            (folder / name).with_suffix(".txt").write_text(photo.caption_zh, encoding="utf-8")
            truth[name] = lines
    (folder.parent / f"{folder.name}.truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
    return truth


def _mkdir(folder: Path, name: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def line_scores(records: list[dict], truth: dict[str, list[str]]) -> dict[str, float]:
    """Exact-line recall and precision of kept OCR texts against the drawn lines, over all images."""
    found = {r["origin"]: [t["text"] for t in r["texts"]] for r in records}
    hits_r = total_r = hits_p = total_p = 0
    for name, lines in truth.items():
        got = found.get(name, [])
        norm = [g.replace(" ", "") for g in got]
        total_r += len(lines)
        hits_r += sum(line.replace(" ", "") in norm for line in lines)
        total_p += len(got)
        hits_p += sum(g in {line.replace(" ", "") for line in lines} for g in norm)
    return {"recall": hits_r / max(1, total_r), "precision": hits_p / max(1, total_p),
            "lines": total_r, "found": total_p}  # fmt: skip


def quotes_every_line(record: dict, field: str = "zh") -> bool:
    from textsynth.recaption.fuse import check_quotes

    return check_quotes(record["captions"][field], [t["text"] for t in record["texts"]]).ok
