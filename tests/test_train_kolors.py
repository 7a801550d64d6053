"""Loading a Kolors-diffusers folder and encoding prompts exactly as KolorsPipeline does."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from train_fixtures import corpus_words, tiny_kolors  # noqa: F401 - pytest fixture

from textsynth.errors import TextsynthError
from textsynth.train import kolors

pytestmark = pytest.mark.slow  # builds the tiny model once per session (~5 s)


def test_missing_parts_are_listed(tiny_kolors: Path, tmp_path: Path) -> None:  # noqa: F811
    broken = tmp_path / "broken"
    shutil.copytree(tiny_kolors, broken)
    shutil.rmtree(broken / "vae")
    (broken / "tokenizer" / "tokenizer.model").unlink()
    with pytest.raises(TextsynthError, match=r"missing: .*vae/config.json.*tokenizer/tokenizer.model"):
        kolors.check_model_dir(broken)
    with pytest.raises(TextsynthError, match="not a folder"):
        kolors.check_model_dir(tmp_path / "nowhere")


def test_prompt_encoding_matches_kolors_pipeline(tiny_kolors: Path) -> None:  # noqa: F811
    prompts = ["一张海报，上面写着“中国人民”。", "白色背景上写着黑色的文字“图书馆”。"]
    pipe = kolors.load_pipeline(tiny_kolors)
    expected, _, expected_pooled, _ = pipe.encode_prompt(
        prompts, device="cpu", do_classifier_free_guidance=False
    )
    tokenizer, text_encoder = kolors.load_text_encoder(tiny_kolors)
    embeds, pooled = kolors.encode_prompts(tokenizer, text_encoder, prompts)
    assert embeds.shape == (2, 256, text_encoder.config.hidden_size)
    assert torch.isfinite(embeds).all() and torch.isfinite(pooled).all()
    assert torch.equal(embeds, expected) and torch.equal(pooled, expected_pooled)
    assert not torch.allclose(embeds[0], embeds[1])  # different captions, different conditioning
    time_ids = kolors.add_time_ids([(512, 768)], [(16, 0)], (1024, 1024))
    pipe_ids = pipe._get_add_time_ids((512, 768), (16, 0), (1024, 1024), torch.float32, pooled.shape[-1])
    assert torch.equal(time_ids, pipe_ids)


def test_tiny_tokenizer_covers_corpus_words_and_caption_punctuation(tiny_kolors: Path) -> None:  # noqa: F811
    tokenizer, _ = kolors.load_text_encoder(tiny_kolors)
    unk = tokenizer.tokenizer.sp_model.unk_id()
    text = "，".join(corpus_words(3000)[::50]) + "“”。"
    assert unk not in tokenizer(text)["input_ids"]


def test_noise_schedule_comes_from_the_folder(tiny_kolors: Path) -> None:  # noqa: F811
    parts = kolors.load_parts(tiny_kolors, with_text_encoder=False)
    config = parts.noise_scheduler.config
    assert (config.num_train_timesteps, config.beta_start, config.beta_end) == (1100, 0.00085, 0.014)
    assert config.prediction_type == "epsilon" and parts.text_encoder is None


def test_batched_encoding_and_the_empty_prompt_match_kolors_pipeline(tiny_kolors: Path) -> None:  # noqa: F811
    prompts = ["一张海报，上面写着“中国人民”。", "白色背景上写着黑色的文字“图书馆”。", "招牌"]
    tokenizer, text_encoder = kolors.load_text_encoder(tiny_kolors, torch.float32, "cpu")
    whole = kolors.encode_prompts(tokenizer, text_encoder, prompts)
    batched = kolors.encode_prompts(tokenizer, text_encoder, prompts, batch_size=2)
    torch.testing.assert_close(batched, whole, atol=1e-5, rtol=1e-5)
    pipe = kolors.load_pipeline(tiny_kolors)
    _, negative, _, negative_pooled = pipe.encode_prompt(
        "任意", device="cpu", do_classifier_free_guidance=True
    )
    empty, empty_pooled = kolors.empty_prompt_embeddings(tokenizer, text_encoder)
    assert torch.equal(empty, negative) and torch.equal(empty_pooled, negative_pooled)
    assert not kolors.force_zeros_for_empty_prompt(tiny_kolors)  # KolorsPipeline's default


def test_components_load_in_the_asked_dtype(tiny_kolors: Path) -> None:  # noqa: F811
    parts = kolors.load_parts(
        tiny_kolors, device="cpu", unet_dtype=torch.bfloat16, text_encoder_dtype=torch.bfloat16
    )
    assert parts.unet.dtype == torch.bfloat16 and parts.vae.dtype == torch.float32
    assert next(parts.text_encoder.parameters()).dtype == torch.bfloat16
    assert len(kolors.text_encoder_fingerprint(tiny_kolors)) == 16
