"""textsynth audit on a real small run: counts, breakdowns, contact sheet, errors."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from textsynth.cli import main
from textsynth.qa.audit import ItemRow, breakdown, failure_sheet, iter_samples, size_bucket


def test_audit_command_reads_back_every_item(demo_run, tmp_path, capsys):
    assert main(["audit", str(demo_run), "--report-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    report = json.loads((tmp_path / "audit.json").read_text(encoding="utf-8"))
    n_items = sum(len(record["texts"]) for _, record in iter_samples(demo_run))
    assert report["overall"]["n"] == n_items > 0
    assert report["overall"]["exact"] >= 0.8  # clean 256x256 renders mostly read back
    for group in ("template", "font", "direction", "size", "effect"):
        assert f"by {group}" in printed
        assert sum(s["n"] for s in report["breakdown"][group].values()) >= n_items
    sheet = Image.open(tmp_path / "audit_failures.png")
    assert sheet.width == 900 and sheet.height > 0


def test_audit_of_a_folder_without_shards_is_one_clear_error(tmp_path, capsys):
    assert main(["audit", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no shard-*.tar" in err and str(tmp_path) in err


def _row(key: str, text: str, ocr: str, distance: float, size: int = 30) -> ItemRow:
    strip = np.full((48, 120, 3), 200, dtype=np.uint8)
    return ItemRow(key, "t", "f", "ltr", size, ["glow"], text, ocr, distance == 0, distance, 0.5, strip)


def test_failure_sheet_shows_the_worst_failures_first():
    rows = [_row("a", "春节", "春节", 0.0), _row("b", "快乐", "快", 0.5), _row("c", "新品", "", 1.0)]
    sheet = failure_sheet(rows, n=1)
    two = failure_sheet(rows, n=5)
    assert two.shape[0] == 2 * sheet.shape[0]  # only the two failures, one cell each
    top = sheet[:60].astype(np.int32)
    assert (np.abs(top - 255).sum(axis=2) > 0).any()


def test_breakdown_and_buckets():
    rows = [
        _row("a", "春节", "春节", 0.0, 12),
        _row("b", "快乐", "快", 0.5, 24),
        _row("c", "新", "", 1.0, 80),
    ]
    assert [size_bucket(r.size_px) for r in rows] == ["0-15 px", "24-31 px", "64+ px"]
    effect = breakdown(rows, "effect")["glow"]
    assert effect["n"] == 3 and effect["exact"] == round(1 / 3, 4) and effect["distance"] == 0.5
