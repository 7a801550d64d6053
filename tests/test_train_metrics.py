"""Text scores: exact definitions, and the whole-image mode with real OCR on rendered ground truth."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image
from train_fixtures import corpus_words, render_word

from textsynth.qa import text_metrics as metrics
from textsynth.train import evaluate
from textsynth.train.prompt_sets import EvalPrompt

hanzi = st.text(alphabet=st.sampled_from(list("中国人民大学生活动力量天地山水")), max_size=8)


def test_ned_and_sentence_accuracy_definitions() -> None:
    assert metrics.edit_similarity("中国人民", "中国人民") == 1.0
    assert metrics.edit_similarity("中国人", "中国人民") == pytest.approx(0.75)
    assert metrics.edit_similarity("天地", "中国") == 0.0
    assert metrics.sentence_correct("中国 人民", "中国人民")  # OCR spacing is ignored
    assert not metrics.sentence_correct("中国人", "中国人民")


@given(hanzi, hanzi)
def test_ned_is_a_symmetric_similarity_in_unit_range(a: str, b: str) -> None:
    value = metrics.edit_similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert value == metrics.edit_similarity(b, a)
    assert (value == 1.0) == (a == b)


@given(hanzi, hanzi, hanzi)
def test_edit_distance_is_a_metric(a: str, b: str, c: str) -> None:
    assert metrics.edit_distance(a, c) <= metrics.edit_distance(a, b) + metrics.edit_distance(b, c)
    assert metrics.edit_distance(a, b) <= max(len(a), len(b))


def test_char_precision_recall_count_repeats_once() -> None:
    summary = metrics.aggregate([metrics.score_text("人人人", "人民"), metrics.score_text("", "大学")])
    assert summary["char_precision"] == pytest.approx(1 / 3)
    assert summary["char_recall"] == pytest.approx(1 / 4)
    assert summary["sentence_accuracy"] == 0.0


def _prompts(words: list[str], vertical: bool = False) -> list[EvalPrompt]:
    kind = "vertical" if vertical else "single"
    return [EvalPrompt(f"{kind}-{i}", kind, f"“{w}”", (w,), vertical, "seen") for i, w in enumerate(words)]


def _score(images: list, prompts: list[EvalPrompt]) -> list[dict]:
    return evaluate.score_whole_image({p.id: [im] for p, im in zip(prompts, images, strict=True)}, prompts)


@pytest.mark.slow
def test_rendered_ground_truth_scores_close_to_one_and_blank_scores_zero() -> None:
    words = [w for w in corpus_words(2000)[1000:] if len(w) >= 2][:12]
    prompts = _prompts(words)
    truth = evaluate.summarise(_score([render_word(w) for w in words], prompts))
    assert truth["sentence_accuracy"] >= 0.9
    assert truth["ned"] >= 0.95
    blank = evaluate.summarise(_score([Image.new("RGB", (256, 256), "white")] * 12, prompts))
    assert blank["sentence_accuracy"] == 0.0 and blank["ned"] == 0.0 and blank["char_recall"] == 0.0


@pytest.mark.slow
def test_two_line_ground_truth_is_read_in_order() -> None:
    first, second = render_word("春节快乐"), render_word("万事如意")
    image = Image.new("RGB", (max(first.width, second.width), first.height + second.height), "white")
    image.paste(first, (0, 0))
    image.paste(second, (0, first.height))
    prompt = EvalPrompt("multiline-0", "multiline", "…", ("春节快乐", "万事如意"))
    assert _score([image], [prompt])[0]["sentence_correct"]


def test_character_recall_is_split_into_seen_and_unseen_characters() -> None:
    # 骉 is in no word of the training list; 中 and 国 are
    counts = evaluate.char_counts("中 骉", "中国骉骉")
    assert counts == {"seen_chars": 2, "seen_hits": 1, "unseen_chars": 2, "unseen_hits": 1}


@pytest.mark.slow
def test_vertical_ground_truth_is_read_top_to_bottom() -> None:
    words = ["春节快乐", "中华人民"]
    rows = _score([render_word(w, vertical=True) for w in words], _prompts(words, vertical=True))
    assert [r["pred"] for r in rows] == words
