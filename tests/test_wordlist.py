"""The default word list, users' own word sources, and the blocklist applied to every text."""

from __future__ import annotations

import bz2
import importlib.metadata
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from textsynth.errors import TextsynthError
from textsynth.sources import wordlist
from textsynth.sources.blocklist import blocked_terms, default_blocklist_path, is_blocked, load_blocklist

SHIPPED = Path(__file__).resolve().parent.parent / "corpora" / "words_50k.tsv"
MODERN = ["微信", "支付宝", "二维码", "外卖", "网购", "淘宝", "扫码", "优惠券", "手机", "高铁"]
# Ordinary words and phrases a substring blocklist must leave alone.
ORDINARY = [
    "日本",
    "大便宜",
    "性格",
    "可能性",
    "干净",
    "牛奶",
    "奶奶",
    "操作",
    "体操比赛",
    "灿烂",
    "逼近",
    "汉奸",
    "处女座",
    "成人教育",
    "姑娘的",
    "我妈妈的书",
    "今日你好",
    "手机八折",
    "一九六四年",
    "天安门广场",
    "中共中央",
    "共产党",
    "毛泽东",
    "阴天",
    "老母亲",
    "靠背",
    "拉屎",
    "撸起袖子",
    "浸淫",
    "淫威",
    "水乳交融",
    "聊以自慰",
    "印度支那",
    "花花绿绿",
    "鬼子母神",
]


@pytest.fixture(scope="module")
def shipped_words() -> list[str]:
    lines = SHIPPED.read_text(encoding="utf-8").splitlines()
    assert lines[0] == wordlist.TSV_HEADER
    return [line.split("\t")[1] for line in lines[1:]]


@pytest.fixture(scope="module")
def blocklist() -> frozenset[str]:
    return load_blocklist()


@pytest.mark.slow
def test_build_reproduces_the_shipped_file_byte_for_byte():
    pytest.importorskip("wordfreq")
    versions = {name: importlib.metadata.version(name) for name in ("wordfreq", "jieba")}
    assert versions == {"wordfreq": "3.1.1", "jieba": "0.42.1"}, "the shipped list was built with these"
    assert wordlist.format_word_list(wordlist.build_word_list()) == SHIPPED.read_bytes()


def test_shipped_list_has_everyday_modern_words(shipped_words):
    present = set(shipped_words)
    assert [word for word in MODERN if word not in present] == []
    assert len(shipped_words) == len(present) == 50000


def test_shipped_list_contains_no_blocklisted_word(shipped_words, blocklist):
    assert [word for word in shipped_words if is_blocked(word, blocklist)] == []


def test_shipped_list_uses_only_allowed_characters(shipped_words):
    assert all(wordlist.chars_ok(word) for word in shipped_words)
    # The coverage rule: every usable GB2312 level-1 hanzi that some passing word has is in the list.
    used = {ch for word in shipped_words for ch in word}
    assert len(wordlist.gb2312_level1() - used) < 10


def test_blocklist_leaves_ordinary_words_alone(blocklist):
    assert [word for word in ORDINARY if is_blocked(word, blocklist)] == []


def test_blocklist_catches_each_category(blocklist):
    for text in ["你他妈的", "一群支那人", "约炮软件", "法轮功", "AV女优", "幹你娘"]:
        assert is_blocked(text, blocklist), text
    assert blocked_terms("真他妈的", blocklist) == ["他妈", "他妈的"]


def test_blocklist_file_format(tmp_path):
    path = tmp_path / "mine.txt"
    path.write_text("\ufeff# a comment\n\nFoo  # trailing comment\n坏词\n!不坏词语\n", encoding="utf-8")
    terms = load_blocklist(path)
    assert terms == frozenset({"foo", "坏词", "!不坏词语"})
    assert is_blocked("a FOO b", terms) and not is_blocked("fo o", terms)
    assert is_blocked("坏词语", terms) and not is_blocked("这不坏词语", terms)
    assert not is_blocked("anything", frozenset())
    with pytest.raises(TextsynthError, match="not found"):
        load_blocklist(tmp_path / "missing.txt")
    assert default_blocklist_path().is_file()


@settings(max_examples=300, deadline=None)
@given(data=st.data(), before=st.text(max_size=30), after=st.text(max_size=30))
def test_is_blocked_never_misses_an_embedded_term(blocklist, data, before, after):
    term = data.draw(st.sampled_from(sorted(t for t in blocklist if not t.startswith("!"))))
    text = before + term + after
    assume(not any(t[1:] in text.casefold() for t in blocklist if t.startswith("!")))
    assert is_blocked(text, blocklist)
    assert is_blocked(before + term.upper() + after, blocklist)


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="他妈的操你干净日本性格AV女优印度支那人浸淫威荡 ", max_size=20))
def test_is_blocked_agrees_with_a_plain_scan(blocklist, text):
    folded = text.casefold()
    for entry in blocklist:
        if entry.startswith("!"):
            folded = folded.replace(entry[1:], "\0")
    plain = any(term in folded for term in blocklist if not term.startswith("!"))
    assert is_blocked(text, blocklist) == plain


def test_from_text_ranks_words_of_a_users_text(tmp_path):
    first = tmp_path / "a.txt"
    second = tmp_path / "b.txt"
    first.write_text("我喜欢咖啡，也喜欢茶！Coffee 2024。咖啡很香。", encoding="utf-8")
    second.write_text("咖啡店里有咖啡，他妈的太贵了。", encoding="utf-8")
    # Ties (count 1) are broken by code point, so the ranking is the same on every machine.
    assert wordlist.rank_text_files([first, second], n=3) == [("咖啡", 3), ("喜欢", 2), ("也", 1)]
    everything = wordlist.select_text_words([first, second], n=100)
    words = [word for word, _ in everything.entries]
    assert "他妈的" not in words and everything.removed["blocklist"] == 1
    assert all(wordlist._is_word(word) for word in words)  # no punctuation, digits or Latin
    unblocked = [word for word, _ in wordlist.rank_text_files([second], n=100, blocklist=frozenset())]
    assert "他妈的" in unblocked


def test_from_text_reports_unreadable_or_empty_input(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("hello 123", encoding="utf-8")
    with pytest.raises(TextsynthError, match="no Chinese words"):
        wordlist.rank_text_files([empty], n=10)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café".encode("latin-1"))
    with pytest.raises(TextsynthError, match="not UTF-8"):
        wordlist.rank_text_files([latin1], n=10)


def test_read_word_file_plain_and_tsv(tmp_path):
    plain = tmp_path / "words.txt"
    plain.write_text("\ufeff咖啡\n\n 茶 \n他妈的\n", encoding="utf-8")
    assert wordlist.read_word_file(plain) == ["咖啡", "茶", "他妈的"]
    kept, removed = wordlist.apply_blocklist(wordlist.read_word_file(plain))
    assert (kept, removed) == (["咖啡", "茶"], ["他妈的"])
    tsv = tmp_path / "words.tsv"
    tsv.write_text("rank\tword\tfreq\n1\t咖啡\t10\n2\t茶\t5\n", encoding="utf-8")
    assert wordlist.read_word_file(tsv) == ["咖啡", "茶"]
    dup = tmp_path / "dup.txt"
    dup.write_text("茶\n茶\n", encoding="utf-8")
    with pytest.raises(TextsynthError, match="line 2"):
        wordlist.read_word_file(dup)


def test_tsv_format_and_writer(tmp_path):
    data = wordlist.format_word_list([("微信", 70795), ("茶", 12)])
    assert data == "rank\tword\tfreq\n1\t微信\t70795\n2\t茶\t12\n".encode()
    digest = wordlist.write_word_list([("微信", 70795)], tmp_path / "sub" / "w.tsv")
    assert len(digest) == 64 and (tmp_path / "sub" / "w.tsv").read_bytes().endswith(b"\n")


def test_association_separates_words_from_free_combinations():
    pytest.importorskip("wordfreq")
    bins = wordlist.wordfreq_bins()
    for word in ["微信", "现在", "支付宝"]:
        assert wordlist.association(word, bins) >= wordlist.ASSOC_NEW_CB, word
    for combination in ["我刚", "而能", "这名"]:
        assert wordlist.association(combination, bins) < wordlist.ASSOC_NEW_CB, combination


def test_gb2312_not_tgh_matches_unihan():
    unihan = Path("/usr/share/unicode/Unihan_OtherMappings.txt.bz2")
    if not unihan.is_file():
        pytest.skip("Debian's unicode-data is not installed")
    with bz2.open(unihan, "rt", encoding="utf-8") as handle:
        tgh = {chr(int(line.split("\t")[0][2:], 16)) for line in handle if "\tkTGH\t" in line}
    assert len(tgh) == 8105
    assert set(wordlist.GB2312_NOT_TGH) == set(wordlist.gb2312_hanzi()) - tgh
