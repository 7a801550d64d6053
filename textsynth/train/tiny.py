"""A tiny, randomly initialised Kolors with the real architecture, saved in the Kolors-diffusers layout.

It lets the whole fine-tune/evaluate path run (through the same from_pretrained code)
on a laptop or in CI, without the 16 GB of real weights. Outputs are noise, by design.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path

from textsynth.errors import TextsynthError

# Characters captions use besides the words themselves; without them in the sentencepiece
# training text they would all become the unknown token.
CAPTION_EXTRA = (
    "，。、：；！？“”‘’（）《》「」—…·- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

# Kolors' noise schedule, as in Kwai-Kolors/Kolors-diffusers scheduler/scheduler_config.json.
KOLORS_SCHEDULER = {
    "beta_start": 0.00085,
    "beta_end": 0.014,
    "beta_schedule": "scaled_linear",
    "num_train_timesteps": 1100,
    "prediction_type": "epsilon",
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "interpolation_type": "linear",
    "use_karras_sigmas": False,
}


def read_words(path: Path, limit: int | None = None) -> list[str]:
    """Words from a `rank<TAB>word<TAB>freq` TSV (header line first), most frequent first."""
    if not path.is_file():
        raise TextsynthError(f"{path}: word list not found (expected a TSV with header 'rank\\tword\\tfreq')")
    words = []
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if "word" not in header:
            raise TextsynthError(f"{path}: first line must be a header with a 'word' column, got {header!r}")
        column = header.index("word")
        for line in handle:
            fields = line.rstrip("\n").split("\t")
            if len(fields) > column and fields[column]:
                words.append(fields[column])
            if limit is not None and len(words) >= limit:
                break
    if not words:
        raise TextsynthError(f"{path}: no words found")
    return words


def train_tokenizer(words: list[str], out_dir: Path) -> Path:
    """Train a sentencepiece model over the words plus caption punctuation; returns tokenizer.model."""
    import sentencepiece as spm

    text = "\n".join([*words, CAPTION_EXTRA, *CAPTION_EXTRA])
    characters = len(set(text))
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text(text, encoding="utf-8")
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_prefix=str(out_dir / "tokenizer"),
            vocab_size=characters + 256,  # must exceed the distinct characters, or training fails
            hard_vocab_limit=False,
            character_coverage=1.0,
            model_type="unigram",
            byte_fallback=False,
            normalization_rule_name="identity",  # keep full-width punctuation as written
            num_threads=1,
            minloglevel=2,
        )
    return out_dir / "tokenizer.model"


def tiny_configs(vocab_size: int, hidden: int = 64) -> dict[str, dict]:
    """Configs of the tiny components: same classes and conditioning structure as Kolors, tiny widths."""
    time_dim = 8
    return {
        "text_encoder": dict(
            num_layers=2,
            padded_vocab_size=int(math.ceil(vocab_size / 64) * 64),
            hidden_size=hidden,
            ffn_hidden_size=2 * hidden,
            kv_channels=16,
            num_attention_heads=hidden // 16,
            seq_length=256,
            multi_query_attention=True,
            multi_query_group_num=2,
            add_qkv_bias=True,
            original_rope=True,
            rmsnorm=True,
            post_layer_norm=True,
            torch_dtype="float32",
        ),
        "unet": dict(
            sample_size=8,
            in_channels=4,
            out_channels=4,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            block_out_channels=(32, 64),
            layers_per_block=1,
            attention_head_dim=(2, 4),
            use_linear_projection=True,
            cross_attention_dim=32,
            encoder_hid_dim=hidden,
            encoder_hid_dim_type="text_proj",
            addition_embed_type="text_time",
            addition_time_embed_dim=time_dim,
            projection_class_embeddings_input_dim=hidden + 6 * time_dim,
            norm_num_groups=32,
        ),
        "vae": dict(
            in_channels=3,
            out_channels=3,
            down_block_types=("DownEncoderBlock2D",) * 4,
            up_block_types=("UpDecoderBlock2D",) * 4,
            block_out_channels=(16, 16, 32, 32),
            layers_per_block=1,
            latent_channels=4,
            norm_num_groups=8,
            sample_size=64,
            scaling_factor=0.13025,  # the SDXL/Kolors VAE's
        ),
    }


def build_tiny_kolors(out_dir: Path, words: list[str], seed: int = 0) -> Path:
    """Build tiny random Kolors components and save them with KolorsPipeline.save_pretrained."""
    from textsynth.train.device import libraries_quiet

    with libraries_quiet():  # the import-time torchvision notice, "Writing model shards" bars
        return _build(out_dir, words, seed)


def _build(out_dir: Path, words: list[str], seed: int) -> Path:
    import torch
    from diffusers import AutoencoderKL, EulerDiscreteScheduler, KolorsPipeline, UNet2DConditionModel
    from diffusers.pipelines.kolors.text_encoder import ChatGLMConfig, ChatGLMModel
    from diffusers.pipelines.kolors.tokenizer import ChatGLMTokenizer

    out_dir = Path(out_dir)
    torch.manual_seed(seed)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = ChatGLMTokenizer(vocab_file=str(train_tokenizer(words, Path(tmp))))
        sp = tokenizer.tokenizer
        configs = tiny_configs(len(sp.special_tokens) + sp.sp_model.vocab_size())
        # empty_init=False: the default leaves the weights as uninitialised memory (NaN, 1e37).
        text_encoder = ChatGLMModel(ChatGLMConfig(**configs["text_encoder"]), empty_init=False)
        # RMSNorm weights are torch.empty even then (finite garbage like 1e26): start them at 1.
        with torch.no_grad():
            for name, param in text_encoder.named_parameters():
                if name.endswith("layernorm.weight"):
                    param.fill_(1.0)
            text_encoder.embedding.word_embeddings.weight.normal_(0.0, 0.02)
        unet = UNet2DConditionModel(**configs["unet"])
        vae = AutoencoderKL(**configs["vae"])
        scheduler = EulerDiscreteScheduler(**KOLORS_SCHEDULER)
        for name, module in (("text_encoder", text_encoder), ("unet", unet), ("vae", vae)):
            for param_name, param in module.named_parameters():
                if not torch.isfinite(param).all() or param.abs().max() > 100:
                    raise RuntimeError(f"tiny {name}: parameter {param_name} is not initialised")
        pipe = KolorsPipeline(
            vae=vae, text_encoder=text_encoder, tokenizer=tokenizer, unet=unet, scheduler=scheduler
        )
        pipe.save_pretrained(out_dir)
    (out_dir / "TINY_MODEL.json").write_text(
        json.dumps({"what": "tiny random Kolors for smoke tests; outputs are noise", "words": len(words)}),
        encoding="utf-8",
    )
    return out_dir
