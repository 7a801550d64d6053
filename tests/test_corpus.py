"""The shipped word list, loading user lists, and the two word samplers."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textsynth.cli import main
from textsynth.errors import TextsynthError
from textsynth.sources.corpus import (
    DEFAULT_WORDS_PATH,
    TSV_HEADER,
    Corpus,
    is_cjk_ideograph,
    is_gb2312_hanzi,
)


@pytest.fixture(scope="module")
def shipped() -> Corpus:
    return Corpus.load()


def _small(n: int) -> Corpus:
    return Corpus.from_words([f"词{i}" for i in range(n)])


@pytest.mark.slow
def test_cli_build_reproduces_the_shipped_file_byte_for_byte(tmp_path: Path, capsys) -> None:
    out = tmp_path / "words.tsv"
    assert main(["corpus", "build", "--out", str(out)]) == 0
    shipped_bytes = DEFAULT_WORDS_PATH.read_bytes()
    assert out.read_bytes() == shipped_bytes
    printed = capsys.readouterr().out
    assert "50000 words" in printed and "blocklist" in printed
    assert hashlib.sha256(shipped_bytes).hexdigest() in printed


def test_cli_build_from_a_ready_list_applies_the_blocklist(tmp_path: Path, capsys) -> None:
    words = tmp_path / "mine.txt"
    words.write_text("奶茶\n咖啡\n操你妈\n蛋糕\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert main(["corpus", "build", "--words", str(words), "--out", str(out), "--n", "10"]) == 0
    assert [line.split("\t")[1] for line in out.read_text(encoding="utf-8").splitlines()[1:]] == [
        "奶茶",
        "咖啡",
        "蛋糕",
    ]
    assert "blocklist 1" in capsys.readouterr().out
    assert main(["corpus", "build", "--words", str(words), "--out", str(out), "--no-blocklist"]) == 0
    assert "操你妈" in out.read_text(encoding="utf-8")


def test_shipped_file_format_and_order() -> None:
    data = DEFAULT_WORDS_PATH.read_bytes()
    assert b"\r" not in data and data.endswith(b"\n") and not data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8").splitlines()
    assert lines[0] == TSV_HEADER
    rows = [line.split("\t") for line in lines[1:]]
    assert [int(r[0]) for r in rows] == list(range(1, 50001))
    words = [r[1] for r in rows]
    assert len(set(words)) == 50000
    assert all(is_cjk_ideograph(ch) and is_gb2312_hanzi(ch) for w in words for ch in w)
    freqs = [int(r[2]) for r in rows]
    assert freqs == sorted(freqs, reverse=True), "frequency descending"
    # The most frequent Chinese function words lead the list; single characters are kept;
    # everyday modern words are in it.
    assert {"的", "是", "在", "了"} <= set(words[:20])
    assert sum(len(w) == 1 for w in words) > 3000
    assert {"微信", "支付宝", "二维码", "外卖", "网购", "淘宝", "扫码", "优惠券", "手机", "高铁"} <= set(
        words
    )


def test_shipped_corpus_counts(shipped: Corpus) -> None:
    assert len(shipped) == 50000
    assert shipped.freqs.shape == (50000,) and shipped.freqs[0] >= shipped.freqs[-1] > 0
    chars = shipped.characters()
    assert len(chars) == 4771
    assert all(is_gb2312_hanzi(ch) for ch in chars)
    # Mojibake single characters from jieba (UTF-8 read as GBK) are excluded by the GB2312 rule.
    assert not {"紝", "銆", "鐨", "殑"} & set(shipped.words)


def test_cli_info_reports_coverage(capsys) -> None:
    assert main(["corpus", "info"]) == 0
    out = capsys.readouterr().out
    assert "4771 of 6763" in out
    assert "33020" in out  # two-character words


def test_cycle_covers_every_shipped_word_in_the_first_epoch(shipped: Corpus) -> None:
    first = [shipped.primary_word(7, i) for i in range(len(shipped))]
    assert set(first) == set(shipped.words)
    second = [shipped.primary_word(7, len(shipped) + i) for i in range(1000)]
    assert second != first[:1000], "each epoch is a fresh permutation"


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**63), epoch=st.integers(0, 5))
def test_every_epoch_is_a_permutation_of_all_words(n: int, seed: int, epoch: int) -> None:
    corpus = _small(n)
    drawn = [corpus.primary_word(seed, epoch * n + i) for i in range(n)]
    assert sorted(drawn) == sorted(corpus.words)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32), indices=st.lists(st.integers(0, 2000), min_size=1, max_size=50))
def test_primary_word_depends_only_on_seed_and_index(seed: int, indices: list[int]) -> None:
    # A worker sees indices in any order; the answer must match a fresh corpus asked one at a time.
    corpus = _small(200)
    in_order = [corpus.primary_word(seed, i) for i in indices]
    fresh = [_small(200).primary_word(seed, i) for i in indices]
    assert in_order == fresh


def test_different_seeds_give_different_orders() -> None:
    corpus = _small(100)
    orders = {tuple(corpus.primary_word(seed, i) for i in range(100)) for seed in range(5)}
    assert len(orders) == 5


def test_primary_word_rejects_negative_index() -> None:
    with pytest.raises(ValueError):
        _small(3).primary_word(0, -1)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), alpha=st.sampled_from([0.0, 0.5, 1.0]))
def test_weighted_word_is_deterministic_per_rng(shipped: Corpus, seed: int, alpha: float) -> None:
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    assert [shipped.weighted_word(a, alpha) for _ in range(20)] == [
        shipped.weighted_word(b, alpha) for _ in range(20)
    ]
    # One draw uses exactly one float, so the rest of the sample's choices do not shift.
    c = np.random.default_rng(seed)
    shipped.weighted_word(c, alpha)
    d = np.random.default_rng(seed)
    d.random()
    assert c.random() == d.random()


def test_weighted_word_favours_frequent_words_but_reaches_the_tail(shipped: Corpus) -> None:
    rng = np.random.default_rng(0)
    sample = [shipped.weighted_word(rng) for _ in range(20000)]
    rank = {w: i for i, w in enumerate(shipped.words)}
    top_share = sum(rank[w] < 5000 for w in sample) / len(sample)
    # Uniform would put 10% of draws in the top 5,000; freq**0.5 puts far more.
    assert top_share > 0.3
    assert len(set(sample)) > 5000


def test_weighted_word_alpha_controls_the_skew() -> None:
    corpus = Corpus.from_words(["常见", "少见", "从不"], freqs=[99, 1, 0])
    rng = np.random.default_rng(1)
    raw = Counter(corpus.weighted_word(rng, alpha=1.0) for _ in range(4000))
    flat = Counter(corpus.weighted_word(rng, alpha=0.0) for _ in range(4000))
    assert raw["从不"] == 0 and flat["从不"] == 0, "a zero-frequency word is never drawn"
    assert 0.97 < raw["常见"] / 4000 < 1.0
    assert 0.45 < flat["常见"] / 4000 < 0.55


def test_load_plain_text_and_tsv(tmp_path: Path) -> None:
    plain = tmp_path / "words.txt"
    plain.write_text("\ufeff你好\n\n  世界 \nhello world\n", encoding="utf-8")
    corpus = Corpus.load(plain)
    assert corpus.words == ["你好", "世界", "hello world"]
    assert corpus.freqs.tolist() == [1.0, 1.0, 1.0]
    assert corpus.characters() == set("你好世界hello world")

    tsv = tmp_path / "words.tsv"
    tsv.write_text("word\tfreq\tpos\n春天\t10\tn\n秋天\t2.5\tn\n", encoding="utf-8")
    corpus = Corpus.load(tsv)
    assert corpus.words == ["春天", "秋天"] and corpus.freqs.tolist() == [10.0, 2.5]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("rank\tword\tfreq\n1\t你好\t5\n2\t世界\n", "line 3"),
        ("rank\tword\tfreq\n1\t你好\tmany\n", "freq"),
        ("rank\tword\tfreq\n1\t你好\t-4\n", ">= 0"),
        ("你好\n世界\n你好\n", "line 3"),
        ("\n\n", "no words"),
        ("你好\t世界\n", "header"),
        ("rank\tword\tfreq\n1\t你好\t0\n", "not all zero"),
    ],
)
def test_malformed_files_name_the_file_and_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TextsynthError, match=message) as err:
        Corpus.load(path)
    assert str(path) in str(err.value)


def test_unreadable_files_raise_textsynth_errors(tmp_path: Path) -> None:
    with pytest.raises(TextsynthError, match="not found"):
        Corpus.load(tmp_path / "missing.tsv")
    with pytest.raises(TextsynthError, match="directory"):
        Corpus.load(tmp_path)
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("你好\n".encode("gbk"))
    with pytest.raises(TextsynthError, match="UTF-8"):
        Corpus.load(gbk)


def test_cli_reports_bad_corpus_as_one_line(tmp_path: Path, capsys) -> None:
    assert main(["corpus", "info", "--corpus", str(tmp_path / "nope.txt")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nope.txt" in err
    assert main(["corpus", "build", "--n", "0", "--out", str(tmp_path / "x.tsv")]) == 2
    assert "--n" in capsys.readouterr().err


def test_from_words_validates() -> None:
    with pytest.raises(TextsynthError, match="empty"):
        Corpus.from_words([])
    with pytest.raises(TextsynthError, match="twice"):
        Corpus.from_words(["甲", "乙", "甲"])
    with pytest.raises(TextsynthError, match="one per word"):
        Corpus.from_words(["甲", "乙"], freqs=[1.0])
