"""The shipped benchmark prompt set: fixed, rebuilt byte for byte, held-out characters really held out."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from textsynth.errors import TextsynthError
from textsynth.resources import CORPORA_DIR
from textsynth.train import build_benchmark, prompt_sets
from textsynth.train.tiny import read_words

# Fixed phrases of textsynth's own Chinese captions (textsynth/caption.py): the benchmark avoids them,
# so a model fine-tuned on our captions is not scored on its training phrasing.
CAPTION_PHRASES = (
    "写着",
    "写有",
    "印有",
    "字样",
    "画面中",
    "其余文字为",
    "另外还有",
    "背景是",
    "背景为",
    "采用",
)


@pytest.fixture(scope="module")
def bench() -> prompt_sets.PromptSet:
    return prompt_sets.benchmark("benchmark_v1")


def test_benchmark_has_every_kind_and_split_once_per_id(bench) -> None:
    prompts = bench.prompts
    assert len(prompts) == 200 and len({p.id for p in prompts}) == 200
    counts = Counter((p.kind, p.split) for p in prompts)
    assert counts == {
        (kind, split): n
        for kind, n in (("single", 50), ("multiline", 25), ("vertical", 25))
        for split in ("seen", "unseen")
    }
    assert all(len(p.lines) == (2 if p.kind == "multiline" else 1) for p in prompts)
    assert all(p.vertical == (p.kind == "vertical") for p in prompts)
    lines = [line for p in prompts for line in p.lines]
    assert len(set(lines)) == len(lines)  # no word twice
    assert all(f"“{line}”" in p.prompt for p in prompts for line in p.lines)


def test_unseen_lines_use_characters_the_training_list_never_shows(bench) -> None:
    trained = set("".join(read_words(CORPORA_DIR / "words_50k.tsv")))
    meta = json.loads((prompt_sets.PROMPTS_DIR / "benchmark_v1.meta.json").read_text(encoding="utf-8"))
    held_out = set(meta["held_out_characters"])
    assert len(held_out) > 1000 and not held_out & trained
    for prompt in bench.prompts:
        for line in prompt.lines:
            if prompt.split == "seen":
                assert set(line) <= trained, line
            else:  # per character: at least one held-out character, the others seen ones
                assert set(line) & held_out and set(line) <= held_out | trained, line
            assert prompt_sets.line_split(line) == prompt.split


def test_benchmark_wording_is_not_textsynths_caption_wording_nor_calligraphy(bench) -> None:
    for prompt in bench.prompts:
        assert not any(phrase in prompt.prompt for phrase in CAPTION_PHRASES), prompt.prompt
        assert not any(word in prompt.prompt for word in ("书法", "条幅", "对联", "毛笔")), prompt.prompt


def test_benchmark_rebuilds_byte_for_byte(tmp_path: Path) -> None:
    import faker
    import jieba

    meta = json.loads((prompt_sets.PROMPTS_DIR / "benchmark_v1.meta.json").read_text(encoding="utf-8"))
    if (faker.VERSION, jieba.__version__) != (meta["faker"], meta["jieba"]):
        pytest.skip("built with other faker/jieba versions; the committed file stays the reference")
    assert build_benchmark.main(["--check"]) == 0


def test_limit_spreads_over_kinds_and_splits_and_is_named(bench) -> None:
    small = prompt_sets.limited(bench, 6)
    assert {(p.kind, p.split) for p in small.prompts} == {(p.kind, p.split) for p in bench.prompts}
    assert small.name == "benchmark_v1[:6]" and small.sha256 != bench.sha256
    assert prompt_sets.limited(bench, 6).sha256 == small.sha256


def test_prompt_files_plain_and_json(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text(
        "# comment\n一块招牌，上行“开业大吉”，下行“欢迎光临”\n"
        + json.dumps(
            {"prompt": "竖排门牌", "lines": ["骉"], "vertical": True, "id": "v1"}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    first, second = prompt_sets.read_prompt_file(path).prompts
    assert first.lines == ("开业大吉", "欢迎光临") and first.target == "开业大吉欢迎光临"
    assert first.split == "seen" and first.id == "file-0002"
    assert second.id == "v1" and second.vertical and second.split == "unseen"
    path.write_text("没有引号的提示\n", encoding="utf-8")
    with pytest.raises(TextsynthError, match=r"line 1: no text to score"):
        prompt_sets.read_prompt_file(path)
    with pytest.raises(TextsynthError, match="no such prompt set; shipped: benchmark_v1"):
        prompt_sets.benchmark("benchmark_v9")
