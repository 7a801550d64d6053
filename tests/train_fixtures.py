"""Shared inputs for the training tests: real rendered words, real shards, one tiny Kolors per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from textsynth.resources import CORPORA_DIR

NOTO_SANS_CJK = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NOTO_SC_INDEX = 2  # index 2 of the collection is "Noto Sans CJK SC"
WORDS_TSV = CORPORA_DIR / "words_50k.tsv"


def corpus_words(limit: int) -> list[str]:
    """The most frequent words of the shipped corpus (falls back to jieba's dictionary if not built yet)."""
    if WORDS_TSV.is_file():
        from textsynth.train.tiny import read_words

        return read_words(WORDS_TSV, limit)
    import os

    import jieba

    rows = []
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, freq, *_ = line.split()
            rows.append((-int(freq), word))
    return [w for _, w in sorted(rows)[:limit]]


def render_word(text: str, size_px: int = 48, vertical: bool = False) -> Image.Image:
    """Black text on white in Noto Sans CJK SC, with a margin, as a renderer's ground truth would be."""
    font = ImageFont.truetype(NOTO_SANS_CJK, size_px, index=NOTO_SC_INDEX)
    step = int(size_px * 1.25)
    margin = size_px // 2
    if vertical:
        image = Image.new("RGB", (size_px + 2 * margin, step * len(text) + 2 * margin), "white")
        draw = ImageDraw.Draw(image)
        for i, char in enumerate(text):
            draw.text((margin, margin + i * step), char, font=font, fill="black")
        return image
    width = int(draw_width(text, font)) + 2 * margin
    image = Image.new("RGB", (width, step + 2 * margin), "white")
    ImageDraw.Draw(image).text((margin, margin), text, font=font, fill="black")
    return image


def draw_width(text: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(text)


def write_shard(path: Path, words: list[str], start: int = 0, size: tuple[int, int] = (64, 64)) -> Path:
    """A WebDataset shard in the project's contract: KEY.jpg, KEY.txt (caption), KEY.json (texts)."""
    import io

    import webdataset as wds

    path.parent.mkdir(parents=True, exist_ok=True)
    with wds.TarWriter(str(path)) as sink:
        for offset, word in enumerate(words):
            image = render_word(word).resize(size, Image.BICUBIC)
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=95)
            key = f"{start + offset:09d}"
            caption = f"白色背景上写着黑色的文字“{word}”。"
            meta = {
                "key": key,
                "width": size[0],
                "height": size[1],
                "texts": [{"text": word, "direction": "ltr"}],
            }
            sink.write(
                {
                    "__key__": key,
                    "jpg": buffer.getvalue(),
                    "txt": caption,
                    "json": json.dumps(meta, ensure_ascii=False),
                }
            )
    return path


@pytest.fixture(scope="session")
def tiny_kolors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Kolors in the Kolors-diffusers layout, tokenizer trained on 3000 corpus words."""
    from textsynth.train.tiny import build_tiny_kolors

    return build_tiny_kolors(tmp_path_factory.mktemp("tiny-kolors"), corpus_words(3000))


@pytest.fixture(scope="session")
def word_shards(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """Two small shards of rendered corpus words; returns (brace pattern, words)."""
    folder = tmp_path_factory.mktemp("shards")
    words = corpus_words(400)[100:108]
    write_shard(folder / "shard-000000.tar", words[:4], start=0)
    write_shard(folder / "shard-000001.tar", words[4:], start=4)
    return str(folder / "shard-{000000..000001}.tar"), words
