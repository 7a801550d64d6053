"""Fine-tuning the tiny Kolors on rendered words: learning, resuming, loading back, evaluating."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from train_fixtures import tiny_kolors, word_shards  # noqa: F401 - pytest fixtures

from textsynth.cli import main
from textsynth.errors import TextsynthError
from textsynth.train import data, kolors
from textsynth.train.loop import TextConditioning, TrainConfig, drop_captions, train

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
    # the held-out batch (first samples of the last shard) is never trained on, nor counted as seen
    held_out = {key.split("#")[1] for key in saved["holdout"]}
    assert len(held_out) == 2 and held_out <= {f"{i:09d}" for i in range(4, 8)}
    expected = {w for i, w in enumerate(word_shards[1]) if f"{i:09d}" not in held_out}
    assert set(saved["words_seen"]) == expected
    assert saved["config"]["lora_rank"] == 8
    assert saved["config"]["synthetic_ratio"] == 1.0  # no real shards: every sample is synthetic


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
            "--limit", "2", "--samples-per-prompt", "2", "--resolution", "64", "--steps", "2"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert report["weights"] == str(lora_run[0] / "lora")
    assert set(report["variants"]) == {"base", "finetuned"} and report["main"] == "finetuned"
    assert report["settings"]["samples_per_prompt"] == 2 and report["settings"]["device"] == "cpu"
    assert report["settings"]["dtype"] == "float32"  # auto: fp32 on the CPU
    whole = report["variants"]["finetuned"]["whole_image"]
    lines = report["variants"]["finetuned"]["anytext_lines"]
    assert len(whole["rows"]) == 2 * 2 and whole["summary"]["prompts"] == 2
    assert len(lines["rows"]) == 2 * 2 and {"seen", "unseen"} <= set(lines["summary"]["by_split"])
    assert {"whole_image", "anytext_lines"} == set(report["gain_over_base"])
    with Image.open(out / "grid.png") as grid:  # one cell per prompt and model, nothing pasted outside
        assert grid.size == (2 * 256, 24 + 2 * 256)
    assert len(list((out / "finetuned").glob("*.png"))) == 4
    assert "### anytext_lines" in (out / "metrics.md").read_text(encoding="utf-8")


def test_bad_model_folder_is_one_line_error(tmp_path: Path, capsys) -> None:
    argv = ["finetune", "--model", str(tmp_path), "--shards", "x.tar", "--output", str(tmp_path / "o")]
    assert main(argv) == 2
    assert "missing: model_index.json" in capsys.readouterr().err


def test_text_embedding_cache_is_fp16_and_keyed_by_the_text_encoder(
    tiny_kolors: Path,  # noqa: F811
    lora_run,
    tmp_path: Path,
) -> None:
    import shutil

    fingerprint = kolors.text_encoder_fingerprint(tiny_kolors)
    entries = sorted((lora_run[0] / "cache" / "text_embeddings" / fingerprint).rglob("*.safetensors"))
    assert len(entries) == 8  # the 8 captions (6 trained + 2 held out), nothing else
    tensors = load_file(entries[0])
    assert tensors["prompt_embeds"].dtype == tensors["pooled"].dtype == torch.float16
    assert tensors["prompt_embeds"].shape == (256, 64)
    # on disk: float16 values plus a small safetensors header
    assert 0 < entries[0].stat().st_size - (256 * 64 + 64) * 2 < 512
    other = tmp_path / "other-model"
    shutil.copytree(tiny_kolors, other)
    config = json.loads((other / "text_encoder" / "config.json").read_text(encoding="utf-8"))
    (other / "text_encoder" / "config.json").write_text(json.dumps({**config, "note": "retrained"}))
    assert kolors.text_encoder_fingerprint(other) != fingerprint


def test_caption_dropout_trains_on_kolors_empty_prompt_at_the_given_rate(
    tiny_kolors: Path,  # noqa: F811
    word_shards,  # noqa: F811
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    dropped = [c == "" for _ in range(1000) for c in drop_captions(["甲", "乙"], 0.3, rng)]
    assert 0.27 < np.mean(dropped) < 0.33
    log = train(_config(tiny_kolors, word_shards[0], tmp_path / "run", steps=8, caption_dropout=0.5))
    assert 0.2 <= log["caption_dropout_realised"] <= 0.8
    cache = data.EmbeddingCache(
        tmp_path / "run" / "cache" / "text_embeddings", kolors.text_encoder_fingerprint(tiny_kolors)
    )
    embeds, pooled = TextConditioning(cache, None, zeros=False)([""])
    pipe = kolors.load_pipeline(tiny_kolors)
    _, negative, _, negative_pooled = pipe.encode_prompt(
        "任意", device="cpu", do_classifier_free_guidance=True
    )
    # what the UNet is trained on for a dropped caption is what KolorsPipeline's guidance uses
    torch.testing.assert_close(embeds[0].float(), negative[0], atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(pooled[0].float(), negative_pooled[0], atol=2e-3, rtol=2e-3)
    zeros, _ = TextConditioning(cache, None, zeros=True)([""])
    assert not zeros.any()  # force_zeros_for_empty_prompt models get zeros, as the pipeline gives them


def test_bf16_on_the_cpu_keeps_lora_fp32_over_a_bf16_unet(
    tiny_kolors: Path,  # noqa: F811
    word_shards,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = train(
        _config(
            tiny_kolors,
            word_shards[0],
            tmp_path / "bf16",
            steps=2,
            mixed_precision="bf16",
            snr_gamma=5.0,
            noise_offset=0.05,
        )
    )
    assert log["device"] == "cpu"
    assert log["dtypes"] == {
        "unet_frozen": "torch.bfloat16",
        "trainable": "torch.float32",
        "vae": "torch.bfloat16",
        "text_encoder": "torch.float32",
    }
    weights = load_file(tmp_path / "bf16" / "lora" / "pytorch_lora_weights.safetensors")
    assert {t.dtype for t in weights.values()} == {torch.float32}
    with pytest.raises(TextsynthError, match="fp16 needs a GPU"):
        train(_config(tiny_kolors, word_shards[0], tmp_path / "fp16", mixed_precision="fp16", device="cpu"))
    with pytest.raises(TextsynthError, match="--synthetic-ratio needs --real-shards"):
        _config(tiny_kolors, word_shards[0], tmp_path / "x", synthetic_ratio=0.3)


def test_without_the_embedding_cache_captions_are_encoded_on_the_fly(
    tiny_kolors: Path,  # noqa: F811
    word_shards,  # noqa: F811
    tmp_path: Path,
) -> None:
    cached = train(_config(tiny_kolors, word_shards[0], tmp_path / "cached", steps=1))
    live = train(_config(tiny_kolors, word_shards[0], tmp_path / "live", steps=1, embedding_cache=False))
    assert not (tmp_path / "live" / "cache" / "text_embeddings").exists()
    # same data and noise; only the float16 rounding of the cached embeddings differs
    assert live["loss"][0]["loss"] == pytest.approx(cached["loss"][0]["loss"], rel=1e-2)
