"""The per-run character table of KEY.charseg.png: class 0 background, then every character a run can set.

Written once per run as charset.json; built from the corpus and the fonts alone, so every
worker builds the same table before any sample is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

CHARSET_FILE = "charset.json"


def build_charset(words: Iterable[str], face_codepoints: Iterable[np.ndarray]) -> list[str]:
    """Class table: [""] (background, class 0), the corpus characters in word-list order, then every
    other character some face can set, by code point. Covers every character a run can draw."""
    chars: dict[str, None] = {}
    for word in words:
        chars.update(dict.fromkeys(ch for ch in word if not ch.isspace()))
    union = np.unique(np.concatenate([np.asarray(cp, dtype=np.uint32) for cp in face_codepoints]))
    chars.update(dict.fromkeys(c for c in map(chr, union.tolist()) if not c.isspace()))
    table = ["", *chars]
    if len(table) > 65535:
        raise ValueError(f"{len(table)} character classes do not fit a 16-bit charseg map")
    return table


def charset_json(table: Sequence[str]) -> dict:
    return {
        "format": 1,
        "description": 'KEY.charseg.png pixel value v is the character chars[v]; 0 ("") is background',
        "chars": list(table),
    }


_CHARSETS: dict[tuple, tuple[list[str], dict[str, int]]] = {}


def run_charset(corpus, fonts) -> tuple[list[str], dict[str, int]]:
    """The run's table and its char -> class index, built once per process for (corpus, fonts)."""
    from textsynth.sources.fonts import face_codepoints

    key = (corpus.source, len(corpus), tuple(face.id for face in fonts.faces))
    if key not in _CHARSETS:
        table = build_charset(corpus.words, [face_codepoints(face) for face in fonts.faces])
        _CHARSETS[key] = table, {char: i for i, char in enumerate(table)}
    return _CHARSETS[key]
