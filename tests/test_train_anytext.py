"""AnyText's line protocol with real OCR: rendered ground truth reads back, blank images score 0."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from train_fixtures import render_word

from textsynth.train import anytext_eval
from textsynth.train.evaluate import score_anytext_lines, summarise
from textsynth.train.prompt_sets import EvalPrompt

pytestmark = pytest.mark.slow  # real PP-OCR (~1 s per image on this CPU)

LINES = ("春节快乐", "万事如意", "中华人民")  # two horizontal lines, one vertical column


def _poster() -> tuple[Image.Image, list[list[tuple[int, int]]]]:
    """A white canvas with the three lines at known places; returns the image and each line's box."""
    canvas = Image.new("RGB", (512, 448), "white")
    parts = [render_word(LINES[0]), render_word(LINES[1]), render_word(LINES[2], vertical=True)]
    corners, boxes = [(16, 24), (16, 160), (400, 60)], []
    for part, (x, y) in zip(parts, corners, strict=True):
        canvas.paste(part, (x, y))
        boxes.append([(x, y), (x + part.width, y), (x + part.width, y + part.height), (x, y + part.height)])
    return canvas, boxes


def test_known_positions_score_each_line_exactly() -> None:
    image, boxes = _poster()
    readings = anytext_eval.read_lines_at(image, list(LINES), boxes)
    assert [r.pred for r in readings] == list(LINES)
    assert all(r.sentence_correct and r.ned == 1.0 for r in readings)


def test_located_lines_score_near_one_and_blank_images_zero() -> None:
    image, _ = _poster()
    prompts = [
        EvalPrompt("two-lines", "multiline", "…", LINES[:2]),
        EvalPrompt("column", "vertical", "…", LINES[2:], vertical=True),
    ]
    truth = summarise(score_anytext_lines({"two-lines": [image], "column": [image]}, prompts))
    assert truth["n"] == 3 and truth["sentence_accuracy"] == 1.0 and truth["ned"] == 1.0
    blank = Image.new("RGB", (512, 448), "white")
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8))
    empty = summarise(score_anytext_lines({"two-lines": [blank], "column": [noise]}, prompts))
    assert empty["sentence_accuracy"] == 0.0 and empty["ned"] == 0.0 and empty["char_recall"] == 0.0


def test_a_missing_line_scores_zero_while_the_others_still_count() -> None:
    image, _ = _poster()
    readings = anytext_eval.locate_lines(image, [LINES[0], "龙马精神"])
    assert readings[0].sentence_correct and readings[1].pred == "" and readings[1].ned == 0.0


def test_tall_crops_are_turned_like_anytext() -> None:
    column = np.asarray(render_word("中华人民", vertical=True))
    h, w = column.shape[:2]
    quad = ((0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h)))
    crop = anytext_eval.crop_upright(column, quad)
    assert crop.shape[:2] == (w, h)  # rotated 90°: the column became a row
    assert np.array_equal(crop, np.rot90(column, 1))  # counter-clockwise: the first character at the left
