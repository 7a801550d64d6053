"""--compare: only like with like (same prompts, samples, settings), paired bootstrap over prompts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from train_fixtures import tiny_kolors  # noqa: F401 - pytest fixture

from textsynth.cli import main
from textsynth.errors import TextsynthError
from textsynth.train import compare


def _result(values: list[float], **settings) -> dict:
    rows = [
        {
            "id": f"p{i}",
            "sample": 0,
            "split": "seen" if i % 2 else "unseen",
            "sentence_correct": v > 0.5,
            "ned": v,
        }
        for i, v in enumerate(values)
    ]
    return {
        "format": compare.FORMAT,
        "prompt_set": {"name": "benchmark_v1", "sha256": "ab" * 32, "n": len(values)},
        "settings": {
            "resolution": 1024,
            "steps": 30,
            "guidance": 5.0,
            "seed": 0,
            "samples_per_prompt": 1,
            "scheduler": "EulerDiscreteScheduler",
            "negative_prompt": None,
            "dtype": "float16",
            **settings,
        },
        "main": "base",
        "variants": {"base": {"whole_image": {"rows": rows}, "anytext_lines": {"rows": rows}}},
    }


def _write(path: Path, result: dict) -> Path:
    path.write_text(json.dumps(result), encoding="utf-8")
    return path


def test_compare_refuses_other_prompt_sets_sample_counts_and_settings(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _result([0.2] * 10))
    other_set = _result([0.2] * 10)
    other_set["prompt_set"] = {"name": "file:mine.jsonl", "sha256": "cd" * 32, "n": 10}
    for name, result, message in (
        ("set", other_set, r"prompt set: benchmark_v1 \(10 prompts.* vs file:mine.jsonl"),
        ("samples", _result([0.2] * 10, samples_per_prompt=4), "samples_per_prompt: 1 vs 4"),
        ("steps", _result([0.2] * 10, steps=20), "steps: 30 vs 20"),
    ):
        with pytest.raises(TextsynthError, match=message):
            compare.compare(a, _write(tmp_path / f"{name}.json", result))
    old = {"rows": [], "variants": {}}
    with pytest.raises(TextsynthError, match="older `textsynth evaluate`"):
        compare.compare(a, _write(tmp_path / "old.json", old))


def test_compare_notes_precision_and_bootstraps_over_prompts(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.json", _result([0.2] * 50))
    better = _result([0.2 + (0.4 if i % 2 else 0.0) for i in range(50)], dtype="bfloat16")
    result = compare.compare(a, _write(tmp_path / "b.json", better))
    assert result["notes"] == ["dtype: 'float16' vs 'bfloat16'"]
    ned = result["gains"]["whole_image"]["ned"]
    assert ned["n"] == 50 and ned["gain"] == pytest.approx(0.2)
    assert ned["ci95"][0] < 0.2 < ned["ci95"][1]
    by_split = result["gains"]["anytext_lines"]["by_split"]
    assert by_split["seen"]["ned"]["gain"] == pytest.approx(0.4) and by_split["unseen"]["ned"]["gain"] == 0.0
    assert result == compare.compare(a, tmp_path / "b.json")  # deterministic


def test_several_images_of_one_prompt_are_one_bootstrap_pair() -> None:
    rows = [{"id": "p", "split": "seen", "ned": v} for v in (0.0, 1.0, 1.0, 0.0)]
    assert compare.prompt_means(rows, "ned") == {"p": 0.5}


@pytest.mark.slow
def test_two_arms_on_the_shipped_set_score_identical_prompts(tiny_kolors: Path, tmp_path: Path) -> None:  # noqa: F811
    base, other = tmp_path / "base", tmp_path / "other"
    common = ["--model", str(tiny_kolors), "--limit", "4", "--resolution", "64", "--steps", "2",
              "--metrics", "whole_image"]  # fmt: skip
    assert main(["evaluate", *common, "--output", str(base)]) == 0
    assert main(["evaluate", *common, "--output", str(other), "--guidance", "3.0"]) == 0
    a, b = (json.loads((d / "metrics.json").read_text(encoding="utf-8")) for d in (base, other))
    ids = [(r["id"], r["target"]) for r in a["variants"]["base"]["whole_image"]["rows"]]
    assert ids == [(r["id"], r["target"]) for r in b["variants"]["base"]["whole_image"]["rows"]]
    assert a["prompt_set"] == b["prompt_set"] and a["prompt_set"]["name"] == "benchmark_v1[:4]"
    with pytest.raises(TextsynthError, match=r"guidance: 5\.0 vs 3\.0"):
        compare.compare(base / "metrics.json", other / "metrics.json")
    assert main(["evaluate", "--compare", str(base / "metrics.json"), str(base / "metrics.json")]) == 0


def test_evaluate_defaults_are_the_documented_protocol() -> None:
    """A plain `textsynth evaluate` and the library's GenerationSettings() both run the protocol of
    docs/training.md (4 images a prompt, 50 steps, guidance 5.0), so arms evaluated either way compare."""
    import argparse

    from textsynth.commands import evaluate as command
    from textsynth.train.evaluate import GenerationSettings

    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    args = parser.parse_args(["--model", "m", "--output", "o"])
    library = GenerationSettings()
    assert (args.samples_per_prompt, args.steps, args.guidance) == (4, 50, 5.0)
    assert (library.samples_per_prompt, library.steps, library.guidance) == (4, 50, 5.0)
