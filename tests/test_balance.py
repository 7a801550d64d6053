"""Character exposure: the character sets, `stats` exposure figures, and char_balance steering words."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from textsynth.config import RenderConfig
from textsynth.errors import TextsynthError
from textsynth.pipeline import build_context, make_sample
from textsynth.qa.stats import exposure
from textsynth.sources.charsets import CHARSETS, charset
from textsynth.sources.corpus import gb2312_hanzi

TEMPLATES = {"public_notice": 1.0, "handwritten_note": 1.0}  # the templates that draw most corpus words


def test_character_sets_have_their_published_sizes():
    sizes = {"gb2312": 6763, "gb2312-1": 3755, "gb2312-2": 3008, "tgh-1": 3500, "tgh-2": 3000, "tgh-12": 6500,
             "tgh": 8105}  # fmt: skip
    assert {name: len(set(charset(name))) for name in CHARSETS} == sizes
    assert set(charset("gb2312")) == gb2312_hanzi()
    assert charset("tgh-1")[:5] == tuple("一乙二十丁") and not set(charset("tgh-1")) & set(charset("tgh-2"))
    with pytest.raises(TextsynthError, match="tgh-12"):
        charset("big5")


def test_exposure_counts_shares_at_one_and_k():
    members = charset("gb2312-1")
    seen = Counter({members[0]: 5, members[1]: 1, "A": 9})
    figures = exposure(seen, "gb2312-1", k=3)
    assert (figures["seen_1"], figures["seen_k"], figures["size"]) == (2, 1, 3755)
    assert figures["histogram"] == {"0": 3753, "1": 1, "2": 0, "3+": 1}
    assert figures["unseen"].startswith(members[2])


def _balanced(per: int = 2000, **config):
    return build_context(
        RenderConfig(seed=4, width=256, height=256, templates=TEMPLATES,
                     char_balance={"charset": "gb2312-1", "k": 1, "per": per}, **config)
    )  # fmt: skip


def test_schedule_gives_every_target_k_turns_per_block_from_the_index_alone():
    ctx = _balanced()
    balance = ctx.balance
    assert balance.targets and balance.per_sample >= 1
    turns = Counter(ch for index in range(balance.per) for ch in balance.for_sample(index))
    assert all(turns[ch] >= balance.k for ch in balance.targets)
    assert balance.for_sample(17) == _balanced().balance.for_sample(17)  # no state: a function of the index
    assert set(balance.for_sample(17)) == set(balance.for_sample(17 + balance.per))  # order rotates
    for ch in balance.targets[:50]:
        assert all(ch in word for word in balance.words_with[ch])


def test_balanced_samples_carry_their_targets_and_stay_deterministic():
    ctx = _balanced()
    carried = tried = 0
    for index in (5, 3, 11, 0, 8, 1, 9, 2):
        sample = make_sample(ctx, index)
        text = "".join(t.text for t in sample.scene.texts)
        targets = ctx.balance.for_sample(index)
        tried += len(targets)
        carried += sum(ch in text for ch in targets)
        again = make_sample(_balanced(), index)  # a fresh worker, any order: the same sample
        assert again.record() == sample.record()
    assert carried >= tried // 3, (carried, tried)


def test_balance_lifts_exposure_of_rare_characters():
    plain = build_context(RenderConfig(seed=4, width=256, height=256, templates=TEMPLATES))
    balanced = _balanced(per=900)
    members = set(charset("gb2312-1"))

    def seen(ctx):
        chars = set()
        for index in range(40):
            chars |= {ch for t in make_sample(ctx, index).scene.texts for ch in t.text} & members
        return len(chars)

    assert seen(balanced) > seen(plain) + 20


def test_infeasible_or_malformed_balance_is_refused_with_the_reason():
    with pytest.raises(TextsynthError, match="use per >="):
        _balanced(per=10)
    with pytest.raises(TextsynthError, match=r"char_balance\.charset:? must be one of gb2312"):
        replace(RenderConfig(), char_balance={"charset": "ascii"}).validate()
    with pytest.raises(TextsynthError, match=r"char_balance\.k:? must be a positive integer"):
        RenderConfig(char_balance={"k": 0}).validate()


def test_stats_command_reports_exposure(demo_run, capsys):
    from textsynth.cli import main

    assert main(["stats", str(demo_run), "--no-progress", "--charset", "tgh-1", "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert "exposure      tgh-1 (3500 characters):" in out and "at least 2 times" in out
