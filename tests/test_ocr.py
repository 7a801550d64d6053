"""The OCR wrapper reads real rendered Chinese and orders lines as a reader would."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from train_fixtures import corpus_words, render_word

from textsynth.qa import ocr

pytestmark = pytest.mark.slow  # loads the PP-OCR models


@pytest.mark.parametrize("word", corpus_words(300)[200:206])
def test_read_text_reads_a_rendered_word(word: str) -> None:
    assert ocr.read_text(render_word(word)) == word


def test_read_image_gives_boxes_around_the_text() -> None:
    image = render_word("中华人民共和国")
    lines = ocr.read_image(image)
    assert lines and all(0.5 < line.score <= 1.0 for line in lines)
    xs = [x for line in lines for x, _ in line.box]
    assert 0 <= min(xs) < max(xs) <= image.width + 2


def test_recognize_a_crop_without_detection() -> None:
    text, score = ocr.recognize(np.asarray(render_word("图书馆")))
    assert text == "图书馆" and score > 0.8


def test_blank_image_reads_nothing() -> None:
    blank = Image.new("RGB", (256, 128), "white")
    assert ocr.read_image(blank) == []
    assert ocr.read_text(blank) == ""
    assert ocr.recognize(blank)[0] == ""


def _line(text: str, x: float, y: float, w: float = 40, h: float = 20) -> ocr.OcrLine:
    return ocr.OcrLine(text, 1.0, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)))


@settings(max_examples=50, deadline=None)
@given(st.permutations([0, 1, 2, 3]), st.floats(-4, 4))
def test_join_lines_reading_order_ignores_detection_order(order: list[int], jitter: float) -> None:
    # two rows of two lines each; small vertical jitter inside a row must not split it
    lines = [_line("甲", 0, 0), _line("乙", 60, jitter), _line("丙", 0, 50), _line("丁", 60, 50 - jitter)]
    assert ocr.join_lines([lines[i] for i in order]) == "甲乙丙丁"


def test_join_lines_vertical_reads_columns_right_to_left() -> None:
    right = _line("春眠", 100, 0, w=20, h=60)
    left = _line("不觉晓", 50, 0, w=20, h=90)
    assert ocr.join_lines([left, right], vertical=True) == "春眠不觉晓"
