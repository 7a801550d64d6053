"""Load Kolors from a local Kolors-diffusers folder and encode prompts exactly as KolorsPipeline does.

Everything goes through diffusers' own classes and `from_pretrained(..., local_files_only=True)`,
so the real Kwai-Kolors/Kolors-diffusers download and `textsynth make-tiny-kolors` load the same way.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textsynth.errors import TextsynthError

MAX_SEQUENCE_LENGTH = 256  # KolorsPipeline.encode_prompt's default

# (subfolder, files that must be there; "*" alternatives separated by "|")
_LAYOUT = (
    ("", "model_index.json"),
    ("unet", "config.json"),
    ("unet", "diffusion_pytorch_model*.safetensors|diffusion_pytorch_model*.bin"),
    ("vae", "config.json"),
    ("vae", "diffusion_pytorch_model*.safetensors|diffusion_pytorch_model*.bin"),
    ("text_encoder", "config.json"),
    ("text_encoder", "*.safetensors|*.bin"),
    ("tokenizer", "tokenizer.model|vocab.txt"),
    ("scheduler", "scheduler_config.json"),
)


def check_model_dir(model_dir: Path | str) -> Path:
    """Raise one TextsynthError listing every missing part of a Kolors-diffusers folder."""
    root = Path(model_dir)
    if not root.is_dir():
        raise TextsynthError(
            f"--model {root}: not a folder; expected a Kolors-diffusers folder "
            "(e.g. Kwai-Kolors/Kolors-diffusers, or one made by `textsynth make-tiny-kolors DIR`)"
        )
    missing = []
    for sub, patterns in _LAYOUT:
        folder = root / sub
        if not any(any(folder.glob(p)) for p in patterns.split("|")):
            missing.append(f"{sub + '/' if sub else ''}{patterns.replace('|', ' or ')}")
    if missing:
        raise TextsynthError(
            f"--model {root}: not a Kolors-diffusers folder; missing: {', '.join(missing)} "
            "(expected model_index.json, unet/, vae/, text_encoder/, tokenizer/, scheduler/)"
        )
    try:
        index = json.loads((root / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise TextsynthError(f"--model {root}/model_index.json: not readable JSON ({err})") from err
    if index.get("_class_name") != "KolorsPipeline":
        raise TextsynthError(
            f"--model {root}/model_index.json: _class_name must be 'KolorsPipeline', "
            f"got {index.get('_class_name')!r}"
        )
    return root


def weights_variant(model_dir: Path | str, subfolder: str = "unet") -> str | None:
    """'fp16' when a component ships only `*.fp16.safetensors` (as Kolors-diffusers does), else None."""
    folder = Path(model_dir) / subfolder
    plain = [p for p in folder.glob("*.safetensors") if ".fp16." not in p.name] + list(folder.glob("*.bin"))
    return None if plain or not any(folder.glob("*.fp16.*")) else "fp16"


@dataclass
class KolorsParts:
    """The components training needs, loaded separately so each can live on its own device/dtype."""

    tokenizer: Any
    text_encoder: Any
    vae: Any
    unet: Any
    noise_scheduler: Any  # DDPMScheduler built from the folder's scheduler config (training noise)


def load_text_encoder(model_dir: Path | str, dtype: Any = None, device: Any = "cpu") -> tuple[Any, Any]:
    """ChatGLM tokenizer and text encoder (frozen, eval mode) from the folder, in `dtype` on `device`."""
    import torch
    from diffusers.pipelines.kolors.text_encoder import ChatGLMModel
    from diffusers.pipelines.kolors.tokenizer import ChatGLMTokenizer

    root = check_model_dir(model_dir)
    tokenizer = ChatGLMTokenizer.from_pretrained(str(root / "tokenizer"), local_files_only=True)
    text_encoder = ChatGLMModel.from_pretrained(
        str(root / "text_encoder"),
        dtype=dtype or torch.float32,
        local_files_only=True,
        variant=weights_variant(root, "text_encoder"),
    )
    text_encoder.requires_grad_(False).eval().to(device)
    return tokenizer, text_encoder


def text_encoder_fingerprint(model_dir: Path | str) -> str:
    """A short hash naming the text encoder and tokenizer, so cached embeddings never cross models.

    Hashes small files whole and each large weight file's name, size, first and last MiB: a 12 GB
    ChatGLM3 is fingerprinted in milliseconds, and any re-save changes those bytes.
    """
    root = check_model_dir(model_dir)
    digest = hashlib.sha256(f"max_length={MAX_SEQUENCE_LENGTH}".encode())
    files = sorted(p for sub in ("text_encoder", "tokenizer") for p in (root / sub).iterdir() if p.is_file())
    for path in files:
        size = path.stat().st_size
        digest.update(f"{path.parent.name}/{path.name}:{size}".encode())
        with path.open("rb") as handle:
            if size <= 4 << 20:
                digest.update(handle.read())
                continue
            digest.update(handle.read(1 << 20))
            handle.seek(size - (1 << 20))
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def force_zeros_for_empty_prompt(model_dir: Path | str) -> bool:
    """model_index.json's `force_zeros_for_empty_prompt` (KolorsPipeline's default: False)."""
    index = json.loads((Path(model_dir) / "model_index.json").read_text(encoding="utf-8"))
    return bool(index.get("force_zeros_for_empty_prompt", False))


def load_parts(
    model_dir: Path | str,
    with_text_encoder: bool = True,
    device: Any = "cpu",
    unet_dtype: Any = None,
    vae_dtype: Any = None,
    text_encoder_dtype: Any = None,
) -> KolorsParts:
    """The Kolors components for training, each in its dtype (None: float32) on `device`.

    The text encoder can be skipped when embeddings are cached."""
    import torch
    from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel

    root = check_model_dir(model_dir)
    tokenizer, text_encoder = (
        load_text_encoder(root, text_encoder_dtype, device) if with_text_encoder else (None, None)
    )
    # dtype at load time, not .to(dtype) after: diffusers then keeps modules that must stay fp32 in fp32
    vae = AutoencoderKL.from_pretrained(
        root,
        subfolder="vae",
        local_files_only=True,
        variant=weights_variant(root, "vae"),
        dtype=vae_dtype or torch.float32,
    )
    unet = UNet2DConditionModel.from_pretrained(
        root,
        subfolder="unet",
        local_files_only=True,
        variant=weights_variant(root, "unet"),
        dtype=unet_dtype or torch.float32,
    )
    noise_scheduler = DDPMScheduler.from_pretrained(root, subfolder="scheduler", local_files_only=True)
    vae.requires_grad_(False).eval().to(device)
    unet.to(device)
    return KolorsParts(tokenizer, text_encoder, vae, unet, noise_scheduler)


def load_pipeline(model_dir: Path | str, dtype: Any = None, unet: Any = None) -> Any:
    """The stock KolorsPipeline from the folder in `dtype` (on the CPU: the caller places it),
    optionally with another UNet (a full fine-tune) in place of the folder's."""
    import torch
    from diffusers import KolorsPipeline

    root = check_model_dir(model_dir)
    extra = {"unet": unet} if unet is not None else {}
    return KolorsPipeline.from_pretrained(
        root,
        dtype=dtype or torch.float32,
        local_files_only=True,
        variant=weights_variant(root, "unet"),
        **extra,
    )


def encode_prompts(
    tokenizer: Any,
    text_encoder: Any,
    prompts: list[str],
    max_length: int = MAX_SEQUENCE_LENGTH,
    batch_size: int = 16,
) -> tuple[Any, Any]:
    """(prompt_embeds (B, 256, H), pooled (B, H)): ChatGLM's second-to-last hidden state and the last
    token of its last hidden state, exactly as KolorsPipeline.encode_prompt computes them.

    Runs on the text encoder's device and dtype, `batch_size` prompts at a time."""
    import torch

    device = next(text_encoder.parameters()).device
    embeds, pooled = [], []
    for start in range(0, len(prompts), batch_size):
        inputs = tokenizer(
            prompts[start : start + batch_size],
            padding="max_length",
            max_length=max_length,
            truncation=True,
            return_tensors="pt",
        ).to(device)
        with torch.no_grad():
            output = text_encoder(
                input_ids=inputs["input_ids"],
                attention_mask=inputs["attention_mask"],
                position_ids=inputs["position_ids"],
                output_hidden_states=True,
            )
        embeds.append(output.hidden_states[-2].permute(1, 0, 2).clone())  # [seq, B, H] -> [B, seq, H]
        pooled.append(output.hidden_states[-1][-1, :, :].clone())
    return torch.cat(embeds), torch.cat(pooled)


def empty_prompt_embeddings(tokenizer: Any, text_encoder: Any, zeros: bool = False) -> tuple[Any, Any]:
    """The unconditional input KolorsPipeline uses for classifier-free guidance: `""` encoded, or
    zeros when the model sets force_zeros_for_empty_prompt. Shapes (1, 256, H) and (1, H)."""
    import torch

    embeds, pooled = encode_prompts(tokenizer, text_encoder, [""])
    if zeros:
        return torch.zeros_like(embeds), torch.zeros_like(pooled)
    return embeds, pooled


def add_time_ids(
    original_sizes: list[tuple[int, int]],
    crops_top_left: list[tuple[int, int]],
    target_size: tuple[int, int],
) -> Any:
    """SDXL micro-conditioning rows: (orig_h, orig_w, crop_top, crop_left, target_h, target_w), float32."""
    import torch

    pairs = zip(original_sizes, crops_top_left, strict=True)
    rows = [list(o) + list(c) + list(target_size) for o, c in pairs]
    return torch.tensor(rows, dtype=torch.float32)
