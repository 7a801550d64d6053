"""Fine-tuning the tiny Kolors on rendered words: learning, resuming, loading back, evaluating."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from train_fixtures import tiny_kolors, word_shards  # noqa: F401 - pytest fixtures

from textsynth.cli import main
from textsynth.train import kolors
from textsynth.train.loop import TrainConfig, train

pytestmark = pytest.mark.slow


def _config(model: Path, shards: str, output: Path, **changes) -> TrainConfig:
    base = TrainConfig(
        model=str(model),
        shards=shards,
        output=str(output),
        resolution=64,
        steps=30,
        batch_size=2,
        learning_rate=1e-2,
        warmup_steps=2,
        lora_rank=8,
        checkpoint_every=100,
        progress=False,
    )
    return replace(base, **changes)


@pytest.fixture(scope="module")
def lora_run(tiny_kolors: Path, word_shards, tmp_path_factory) -> tuple[Path, dict]:  # noqa: F811
    output = tmp_path_factory.mktemp("lora-run")
    return output, train(_config(tiny_kolors, word_shards[0], output))


def test_lora_training_lowers_the_loss_on_a_fixed_batch(lora_run, word_shards) -> None:  # noqa: F811
    output, log = lora_run
    assert log["fixed_batch_loss_end"] < log["fixed_batch_loss_start"] - 0.01
    assert log["step"] == 30 and len(log["loss"]) == 30
    saved = json.loads((output / "train_log.json").read_text(encoding="utf-8"))
    assert set(saved["words_seen"]) == set(word_shards[1])
    assert saved["config"]["lora_rank"] == 8


def test_lora_weights_load_into_kolors_pipeline_and_change_its_output(tiny_kolors: Path, lora_run) -> None:  # noqa: F811
    pipe = kolors.load_pipeline(tiny_kolors)
    pipe.set_progress_bar_config(disable=True)

    def generate():
        return pipe(
            "白色背景上写着黑色的文字“中国”。",
            height=64,
            width=64,
            num_inference_steps=3,
            generator=torch.Generator().manual_seed(0),
            output_type="np",
        ).images[0]

    before = generate()
    pipe.load_lora_weights(str(lora_run[0] / "lora"))
    after = generate()
    assert abs(after - before).mean() > 1e-3


def test_resume_continues_from_the_checkpoint_step(tiny_kolors: Path, word_shards, tmp_path: Path) -> None:  # noqa: F811
    straight = train(_config(tiny_kolors, word_shards[0], tmp_path / "a", steps=4, checkpoint_every=2))
    interrupted = _config(tiny_kolors, word_shards[0], tmp_path / "b", steps=2, checkpoint_every=2)
    train(interrupted)
    resumed = train(replace(interrupted, steps=4, resume=True))
    assert resumed["step"] == 4 and [row["step"] for row in resumed["loss"]] == [1, 2, 3, 4]
    # same data, same noise, same optimizer state: the resumed run ends where the straight one did
    assert [r["loss"] for r in resumed["loss"]] == [r["loss"] for r in straight["loss"]]
    a = load_file(tmp_path / "a" / "checkpoint-4" / "trainable.safetensors")
    b = load_file(tmp_path / "b" / "checkpoint-4" / "trainable.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_evaluate_takes_the_finetune_output_folder_and_scores_both_modes(
    tiny_kolors: Path,  # noqa: F811
    lora_run,
    tmp_path: Path,
) -> None:
    out = tmp_path / "eval"
    argv = ["evaluate", "--model", str(tiny_kolors), "--lora", str(lora_run[0]), "--output", str(out),
            "--limit", "3", "--samples-per-prompt", "2", "--resolution", "64", "--steps", "2"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert report["weights"] == str(lora_run[0] / "lora")
    assert set(report["variants"]) == {"base", "finetuned"} and report["main"] == "finetuned"
    assert report["settings"]["samples_per_prompt"] == 2 and report["settings"]["device"] == "cpu"
    assert report["settings"]["dtype"] == "float32"  # auto: fp32 on the CPU
    whole = report["variants"]["finetuned"]["whole_image"]
    lines = report["variants"]["finetuned"]["anytext_lines"]
    assert len(whole["rows"]) == 3 * 2 and whole["summary"]["prompts"] == 3
    assert len(lines["rows"]) >= 3 * 2 and {"seen", "unseen"} <= set(lines["summary"]["by_split"])
    assert {"whole_image", "anytext_lines"} == set(report["gain_over_base"])
    with Image.open(out / "grid.png") as grid:  # one cell per prompt and model, nothing pasted outside
        assert grid.size == (2 * 256, 24 + 3 * 256)
    assert len(list((out / "finetuned").glob("*.png"))) == 6
    assert "### anytext_lines" in (out / "metrics.md").read_text(encoding="utf-8")


def test_bad_model_folder_is_one_line_error(tmp_path: Path, capsys) -> None:
    argv = ["finetune", "--model", str(tmp_path), "--shards", "x.tar", "--output", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "missing: model_index.json" in capsys.readouterr().err
