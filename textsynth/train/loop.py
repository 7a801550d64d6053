"""Fine-tune the Kolors UNet (LoRA or full) on shards: one readable path, after diffusers' SDXL example.

Order of work: every process replays its share of the deterministic data plan; the main process
encodes each caption once into the float16 embedding cache (then frees ChatGLM); the UNet trains
with epsilon/v loss under accelerate (optionally min-SNR weighted, with noise offset and caption
dropout); checkpoints every N steps; the main process saves LoRA weights (`lora/`) or a full UNet
(`unet/`) and the run log. Only the main process writes, except `--cache-latents` files (see there).
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import time
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

from textsynth.errors import TextsynthError
from textsynth.train import data, kolors
from textsynth.train.device import check_precision, resolve_device, text_encoder_dtype, torch_dtype

LORA_TARGETS = ["to_k", "to_q", "to_v", "to_out.0"]


@dataclass
class TrainConfig:
    """Everything that defines a run; written into the run log and every checkpoint."""

    model: str
    shards: str
    output: str
    real_shards: str | None = None
    synthetic_ratio: float = 1.0  # share of synthetic samples; 1.0 (and recorded so) without real shards
    resolution: int = 1024
    bucket_step: int = 64
    steps: int = 1000
    batch_size: int = 1
    gradient_accumulation: int = 1
    learning_rate: float = 1e-4
    lr_scheduler: str = "constant_with_warmup"
    warmup_steps: int = 100
    lora_rank: int = 16
    full: bool = False
    use_8bit_adam: bool = False
    adam_weight_decay: float = 1e-2
    max_grad_norm: float = 1.0
    gradient_checkpointing: bool = False
    mixed_precision: str = "no"
    device: str = "auto"
    caption_dropout: float = 0.0
    snr_gamma: float | None = None
    noise_offset: float = 0.0
    embedding_cache: bool = True
    cache_dir: str | None = None  # default OUTPUT/cache; caches are keyed by model, so arms can share one
    ema: bool = False
    ema_decay: float = 0.9999
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    resume: bool = False
    cache_latents: bool = False
    seed: int = 0
    progress: bool = True

    def __post_init__(self) -> None:
        if not self.real_shards:
            if self.synthetic_ratio != 1.0:
                raise TextsynthError(
                    "--synthetic-ratio needs --real-shards (without them every sample is synthetic)"
                )
        elif not 0.0 <= self.synthetic_ratio <= 1.0:
            raise TextsynthError(f"--synthetic-ratio must be between 0 and 1, got {self.synthetic_ratio}")
        if self.resolution % 8 or self.resolution < 64:
            raise TextsynthError(
                f"--resolution must be a multiple of 8 and at least 64, got {self.resolution}"
            )
        if self.steps < 1 or self.batch_size < 1 or self.gradient_accumulation < 1:
            raise TextsynthError("--steps, --batch-size and --gradient-accumulation must be at least 1")
        if not 0.0 <= self.caption_dropout <= 1.0:
            raise TextsynthError(f"--caption-dropout must be between 0 and 1, got {self.caption_dropout}")
        if self.snr_gamma is not None and self.snr_gamma <= 0:
            raise TextsynthError(
                f"--snr-gamma must be positive (diffusers recommends 5.0), got {self.snr_gamma}"
            )
        if self.noise_offset < 0:
            raise TextsynthError(f"--noise-offset must be at least 0, got {self.noise_offset}")


def _paths(config: TrainConfig) -> tuple[list[str], list[str] | None]:
    synthetic = data.expand_shards(config.shards, "--shards")
    real = data.expand_shards(config.real_shards, "--real-shards") if config.real_shards else None
    return synthetic, real


def _buckets(config: TrainConfig) -> list[tuple[int, int]]:
    return data.bucket_sizes(config.resolution, config.bucket_step)


def _batch_stream(config: TrainConfig, exclude: frozenset = frozenset()) -> Any:
    """This process's batches in order (images still encoded): a pure function of the config and rank."""
    synthetic, real = _paths(config)
    samples = data.mixed_stream(synthetic, real, config.synthetic_ratio, config.seed, exclude)
    return data.plan_batches(samples, config.batch_size, _buckets(config))


def _micro_batches(config: TrainConfig) -> int:
    return config.steps * config.gradient_accumulation


def _latest_checkpoint(output: Path) -> Path | None:
    found = sorted(output.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))
    return found[-1] if found else None


def _add_lora(unet: Any, rank: int, seed: int) -> None:
    import torch
    from peft import LoraConfig

    # peft draws the LoRA init from torch's global generator: seed it locally so runs repeat
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        unet.add_adapter(
            LoraConfig(r=rank, lora_alpha=rank, init_lora_weights="gaussian", target_modules=LORA_TARGETS)
        )


def _optimizer(config: TrainConfig, params: list) -> Any:
    import torch

    if config.use_8bit_adam:
        try:
            import bitsandbytes as bnb
        except ImportError as err:
            raise TextsynthError("--use-8bit-adam needs bitsandbytes: pip install bitsandbytes") from err
        cls = bnb.optim.AdamW8bit
    else:
        cls = torch.optim.AdamW
    return cls(params, lr=config.learning_rate, weight_decay=config.adam_weight_decay)


def drop_captions(captions: list[str], rate: float, rng: np.random.Generator) -> list[str]:
    """Caption dropout: each caption becomes "" with probability `rate` (one draw per caption)."""
    drops = rng.random(len(captions)) < rate
    return ["" if drop else caption for caption, drop in zip(captions, drops, strict=True)]


def diffusion_loss(
    parts: kolors.KolorsParts,
    batch: dict,
    generator: Any,
    snr_gamma: float | None = None,
    noise_offset: float = 0.0,
) -> Any:
    """Noise-prediction MSE for one decoded batch with its embeddings, noise drawn from `generator`.

    `noise_offset` adds per-channel constant noise; `snr_gamma` weights each sample by
    min(SNR, γ)/SNR (ε) or min(SNR, γ)/(SNR+1) (v), as diffusers' training scripts do."""
    import torch
    import torch.nn.functional as F
    from diffusers.training_utils import compute_snr

    unet, vae, scheduler = parts.unet, parts.vae, parts.noise_scheduler
    device = vae.device
    dtype = vae.dtype
    with torch.no_grad():
        if "latents" in batch:
            latents = batch["latents"].to(device)
        else:
            pixels = batch["pixel_values"].to(device, dtype=dtype)
            dist = vae.encode(pixels).latent_dist
            latents = dist.mean + dist.std * torch.randn(dist.mean.shape, generator=generator).to(
                device, dtype
            )
        latents = latents.float() * vae.config.scaling_factor
    noise = torch.randn(latents.shape, generator=generator)
    if noise_offset:
        noise = noise + noise_offset * torch.randn((*latents.shape[:2], 1, 1), generator=generator)
    noise = noise.to(device)
    timesteps = torch.randint(
        0, scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator
    ).to(device)
    noisy = scheduler.add_noise(latents, noise, timesteps)
    prediction_type = scheduler.config.prediction_type
    if prediction_type == "epsilon":
        target = noise
    elif prediction_type == "v_prediction":
        target = scheduler.get_velocity(latents, noise, timesteps)
    else:
        raise TextsynthError(f"scheduler prediction_type {prediction_type!r} is not supported")
    height, width = batch["pixel_values"].shape[-2:] if "pixel_values" in batch else batch["target_size"]
    time_ids = kolors.add_time_ids(batch["original_sizes"], batch["crops_top_left"], (height, width))
    unet_dtype = batch["unet_dtype"]
    pred = unet(
        noisy.to(unet_dtype),
        timesteps,
        encoder_hidden_states=batch["prompt_embeds"].to(device, dtype=unet_dtype),
        added_cond_kwargs={
            "text_embeds": batch["pooled"].to(device, dtype=unet_dtype),
            "time_ids": time_ids.to(device, dtype=unet_dtype),
        },
    ).sample
    if snr_gamma is None:
        return F.mse_loss(pred.float(), target.float())
    snr = compute_snr(scheduler, timesteps)
    weights = torch.stack([snr, snr_gamma * torch.ones_like(snr)], dim=1).min(dim=1)[0]
    weights = weights / snr if prediction_type == "epsilon" else weights / (snr + 1)
    per_sample = F.mse_loss(pred.float(), target.float(), reduction="none").mean(dim=(1, 2, 3))
    return (per_sample * weights).mean()


def fixed_batch_loss(parts: kolors.KolorsParts, batch: dict, seed: int = 1234, repeats: int = 4) -> float:
    """Plain mean loss on one held-out batch over fixed noise draws: comparable before/after and across
    arms (no SNR weighting, no noise offset)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return float(sum(diffusion_loss(parts, batch, generator).item() for _ in range(repeats)) / repeats)


class TextConditioning:
    """Caption → (prompt_embeds, pooled): from the float16 cache, or encoded on the fly on the device."""

    def __init__(self, cache: data.EmbeddingCache | None, encoder: tuple[Any, Any] | None, zeros: bool):
        self.cache, self.encoder, self.zeros_for_empty = cache, encoder, zeros

    def __call__(self, captions: list[str]) -> tuple[Any, Any]:
        import torch

        if self.cache is not None:
            embeds, pooled = self.cache.load(captions)
        else:
            tokenizer, text_encoder = self.encoder
            embeds, pooled = kolors.encode_prompts(tokenizer, text_encoder, captions)
        if self.zeros_for_empty:  # KolorsPipeline's force_zeros_for_empty_prompt
            empty = torch.tensor([c == "" for c in captions], device=embeds.device)
            embeds = torch.where(empty[:, None, None], torch.zeros_like(embeds), embeds)
            pooled = torch.where(empty[:, None], torch.zeros_like(pooled), pooled)
        return embeds, pooled


def _dropout_rng(config: TrainConfig, rank: int, micro_index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([config.seed, rank, micro_index, 0x64726F70]))


def _plan_summary(config: TrainConfig, exclude: frozenset, rank: int) -> dict:
    """What this process will train on, replayed from the plan: captions (incl. dropped ones), words, keys."""
    captions: set[str] = set()
    words: Counter = Counter()
    keys, shards, dropped = [], set(), 0
    batches = itertools.islice(_batch_stream(config, exclude), _micro_batches(config))
    for micro_index, planned in enumerate(batches):
        texts = [s.caption for s in planned.samples]
        if config.caption_dropout:
            texts = drop_captions(texts, config.caption_dropout, _dropout_rng(config, rank, micro_index))
            dropped += texts.count("")
        captions.update(texts)
        for sample in planned.samples:
            words.update(sample.cjk_words())
            keys.append(f"{sample.shard}#{sample.key}")
            shards.add(sample.shard)
    return {
        "rank": rank,
        "captions": sorted(captions),
        "words": dict(words),
        "keys": keys,
        "shards": sorted(shards),
        "dropped": dropped,
    }


def _cache_text_embeddings(
    config: TrainConfig, cache: data.EmbeddingCache, captions: list[str], device: Any, log: Any
) -> int:
    """Encode every caption not in the cache (on `device`, fp16 on a GPU), then free ChatGLM."""
    import gc

    missing = cache.missing(captions)
    if missing:
        tokenizer, text_encoder = kolors.load_text_encoder(config.model, text_encoder_dtype(device), device)
        cache.fill(missing, lambda chunk: kolors.encode_prompts(tokenizer, text_encoder, chunk))
        del tokenizer, text_encoder
        gc.collect()
    log(f"text embeddings: {len(set(captions))} captions, {len(missing)} newly encoded into {cache.folder}")
    return len(missing)


def _with_latents(
    planned: data.PlannedBatch, decoded: dict, parts: Any, cache: data.LatentCache, rank: int
) -> dict:
    """Replace pixels by cached VAE latent means (computed on first use), keeping pixels' shape for time ids.

    Each process writes the latents of its own samples (atomically, under a per-rank temporary name):
    the one write outside the main process, since only the process holding the pixels can encode them."""
    import torch

    latents = []
    for index, sample in enumerate(planned.samples):
        path = cache.path(sample, planned.bucket)
        if not path.is_file():
            pixels = decoded["pixel_values"][index : index + 1].to(parts.vae.device, dtype=parts.vae.dtype)
            with torch.no_grad():
                mean = parts.vae.encode(pixels).latent_dist.mean[0].float().cpu()
            path.parent.mkdir(exist_ok=True)
            tmp = path.with_suffix(f".tmp{rank}")
            torch.save(mean, tmp)
            tmp.replace(path)
        latents.append(torch.load(path, weights_only=True))
    decoded["latents"] = torch.stack(latents)
    return decoded


def _save_checkpoint(folder: Path, step: int, trainable: dict, optimizer, lr_scheduler, ema, run_log) -> None:
    import torch
    from safetensors.torch import save_file

    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.detach().cpu().contiguous() for k, v in trainable.items()}, tmp / "trainable.safetensors")
    state = {"optimizer": optimizer.state_dict(), "lr_scheduler": lr_scheduler.state_dict()}
    if ema is not None:
        state["ema"] = ema.state_dict()
    torch.save(state, tmp / "training_state.pt")
    (tmp / "run.json").write_text(json.dumps({**run_log, "step": step}, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)


def _export(config: TrainConfig, unet: Any, output: Path) -> Path:
    """Final weights as users load them: LoRA for KolorsPipeline.load_lora_weights, or a UNet folder."""
    if config.full:
        unet.save_pretrained(output / "unet")
        return output / "unet"
    from diffusers import KolorsPipeline
    from diffusers.utils import convert_state_dict_to_diffusers
    from peft.utils import get_peft_model_state_dict

    layers = convert_state_dict_to_diffusers(get_peft_model_state_dict(unet))
    KolorsPipeline.save_lora_weights(output / "lora", unet_lora_layers=layers)
    return output / "lora"


def _ranks_report(plans: list[dict]) -> list[dict]:
    """Per process: shards read, samples planned, and how many of its samples another process also has."""
    report = []
    for plan in plans:
        others = {k for other in plans if other["rank"] != plan["rank"] for k in other["keys"]}
        report.append(
            {
                "rank": plan["rank"],
                "shards": plan["shards"],
                "samples": len(plan["keys"]),
                "shared_with_other_ranks": sum(k in others for k in set(plan["keys"])),
            }
        )
    return report


def train(config: TrainConfig) -> dict:
    """Run (or resume) one fine-tune; returns the run log that the main process also writes to
    OUTPUT/train_log.json (other processes return it too, without writing)."""
    import torch
    from accelerate import Accelerator
    from accelerate.state import AcceleratorState
    from accelerate.utils import InitProcessGroupKwargs, gather_object
    from diffusers.optimization import get_scheduler
    from diffusers.training_utils import EMAModel, cast_training_params
    from safetensors.torch import load_file
    from tqdm.auto import tqdm

    output = Path(config.output)
    kolors.check_model_dir(config.model)
    device = resolve_device(config.device)
    check_precision(device, config.mixed_precision, "--mixed-precision")
    if device.index not in (None, 0):
        raise TextsynthError(
            f"--device {config.device}: finetune places each process with accelerate; choose the GPU "
            f"with CUDA_VISIBLE_DEVICES={device.index} and --device cuda"
        )
    # accelerate keeps one process-wide state; a second train() in the same process (tests, notebooks)
    # may use another precision, so forget the previous run's (the process group itself is kept)
    AcceleratorState._reset_state()
    accelerator = Accelerator(
        mixed_precision=config.mixed_precision,
        gradient_accumulation_steps=config.gradient_accumulation,
        cpu=device.type == "cpu",
        # the other processes wait while the main one encodes every caption: allow hours, not minutes
        kwargs_handlers=[InitProcessGroupKwargs(timeout=timedelta(hours=4))],
    )
    main, rank = accelerator.is_main_process, accelerator.process_index
    say = accelerator.print
    if main:
        output.mkdir(parents=True, exist_ok=True)
    checkpoint = _latest_checkpoint(output) if config.resume else None
    if config.resume and checkpoint is None:
        say(f"--resume: no checkpoint in {output}, starting from step 0")

    synthetic, _ = _paths(config)
    holdout = data.holdout_batch(synthetic, config.batch_size, _buckets(config))
    exclude = frozenset((s.shard, s.key) for s in holdout.samples)
    plans = gather_object([_plan_summary(config, exclude, rank)])
    zeros_for_empty = kolors.force_zeros_for_empty_prompt(config.model)

    cache = None
    cache_root = Path(config.cache_dir) if config.cache_dir else output / "cache"
    if config.embedding_cache:
        cache = data.EmbeddingCache(
            cache_root / "text_embeddings", kolors.text_encoder_fingerprint(config.model)
        )
        if main:
            captions = sorted(
                {c for plan in plans for c in plan["captions"]} | {s.caption for s in holdout.samples}
            )
            _cache_text_embeddings(config, cache, captions, accelerator.device, say)
        accelerator.wait_for_everyone()
        text = TextConditioning(cache, None, zeros_for_empty)
    else:
        encoder = kolors.load_text_encoder(
            config.model, text_encoder_dtype(accelerator.device), accelerator.device
        )
        text = TextConditioning(None, encoder, zeros_for_empty)
    latent_cache = data.LatentCache(cache_root / "latents") if config.cache_latents else None

    # Mixed precision as diffusers' SDXL LoRA script: frozen weights in the low-precision dtype, trained
    # LoRA weights in fp32; a full fine-tune keeps fp32 master weights and runs under autocast.
    weight_dtype = torch_dtype(config.mixed_precision)
    # The SDXL VAE (Kolors') overflows in fp16: keep it fp32 there, as diffusers' script does.
    vae_dtype = torch.float32 if weight_dtype == torch.float16 else weight_dtype
    unet_dtype = torch.float32 if config.full else weight_dtype
    parts = kolors.load_parts(
        config.model,
        with_text_encoder=False,
        device=accelerator.device,
        unet_dtype=unet_dtype,
        vae_dtype=vae_dtype,
    )
    unet = parts.unet
    unet.requires_grad_(False)
    if config.full:
        unet.requires_grad_(True)
    else:
        _add_lora(unet, config.lora_rank, config.seed)
        cast_training_params(unet, dtype=torch.float32)
    if config.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    trainable_names = [n for n, p in unet.named_parameters() if p.requires_grad]
    params = [p for p in unet.parameters() if p.requires_grad]
    optimizer = _optimizer(config, params)
    lr_scheduler = get_scheduler(
        config.lr_scheduler, optimizer, num_warmup_steps=config.warmup_steps, num_training_steps=config.steps
    )
    ema = EMAModel(params, decay=config.ema_decay) if config.ema else None
    unet, optimizer = accelerator.prepare(unet, optimizer)
    parts.unet = unet

    words = Counter()
    for plan in plans:
        words.update(plan["words"])
    run_log: dict[str, Any] = {
        "config": asdict(config),
        "processes": accelerator.num_processes,
        "device": str(accelerator.device),
        "loss": [],
        "words_seen": dict(sorted(words.items())),
        "chars_seen": dict(sorted(Counter(c for w, n in words.items() for c in w * n).items())),
        "samples_seen": sum(len(plan["keys"]) for plan in plans),
        "caption_dropout_realised": sum(p["dropped"] for p in plans)
        / max(1, sum(len(p["keys"]) for p in plans)),
        "ranks": _ranks_report(plans),
        "dtypes": {  # as placed, read back from the parameters
            "unet_frozen": str(next((p.dtype for p in unet.parameters() if not p.requires_grad), None)),
            "trainable": str(params[0].dtype),
            "vae": str(parts.vae.dtype),
            "text_encoder": str(text_encoder_dtype(accelerator.device)),
        },
        "holdout": [f"{s.shard}#{s.key}" for s in holdout.samples],
    }
    step = 0
    if checkpoint is not None:
        saved = load_file(checkpoint / "trainable.safetensors")
        named = dict(accelerator.unwrap_model(unet).named_parameters())
        with torch.no_grad():
            for name, value in saved.items():
                named[name].copy_(value)
        state = torch.load(checkpoint / "training_state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        lr_scheduler.load_state_dict(state["lr_scheduler"])
        if ema is not None and "ema" in state:
            ema.load_state_dict(state["ema"])
        previous = json.loads((checkpoint / "run.json").read_text(encoding="utf-8"))
        step = int(previous["step"])
        run_log.update({k: previous[k] for k in ("loss", "fixed_batch_loss_start")})
        say(f"resumed from {checkpoint} at step {step}")

    skip = step * config.gradient_accumulation
    planned_batches = itertools.islice(_batch_stream(config, exclude), skip, _micro_batches(config))

    def prepare(planned: data.PlannedBatch, captions: list[str]) -> dict:
        decoded = data.decode_batch(planned)
        decoded["prompt_embeds"], decoded["pooled"] = text(captions)
        decoded["unet_dtype"] = unet_dtype
        if latent_cache is not None:
            decoded = _with_latents(planned, decoded, parts, latent_cache, rank)
        return decoded

    fixed_batch = prepare(holdout, [s.caption for s in holdout.samples])
    if "fixed_batch_loss_start" not in run_log:
        unet.eval()
        run_log["fixed_batch_loss_start"] = fixed_batch_loss(parts, fixed_batch)
    unet.train()

    progress = tqdm(total=config.steps, initial=step, desc="finetune", disable=not (config.progress and main))
    started, start_step = time.monotonic(), step
    running: list[float] = []
    for micro_index, planned in enumerate(planned_batches, start=skip):
        captions = [s.caption for s in planned.samples]
        if config.caption_dropout:
            captions = drop_captions(
                captions, config.caption_dropout, _dropout_rng(config, rank, micro_index)
            )
        batch = prepare(planned, captions)
        # Noise depends only on (seed, rank, micro-batch index): a resumed run draws what the first would have.
        noise_seed = int(np.random.SeedSequence([config.seed, rank, micro_index]).generate_state(1)[0])
        generator = torch.Generator().manual_seed(noise_seed)
        with accelerator.accumulate(unet):
            loss = diffusion_loss(parts, batch, generator, config.snr_gamma, config.noise_offset)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(params, config.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        running.append(float(loss.detach().item()))
        if not accelerator.sync_gradients:
            continue
        lr_scheduler.step()
        if ema is not None:
            ema.step(params)
        step += 1
        mean_loss = float(
            accelerator.reduce(torch.tensor(sum(running) / len(running), device=accelerator.device), "mean")
        )
        running = []
        run_log["loss"].append({"step": step, "loss": mean_loss, "lr": lr_scheduler.get_last_lr()[0]})
        rate = (step - start_step) / max(time.monotonic() - started, 1e-9)
        progress.set_postfix(loss=f"{mean_loss:.4f}", steps_per_s=f"{rate:.2f}")
        progress.update(1)
        if main and (step % config.checkpoint_every == 0 or step == config.steps):
            trainable = {
                n: p for n, p in accelerator.unwrap_model(unet).named_parameters() if n in trainable_names
            }
            _save_checkpoint(
                output / f"checkpoint-{step}", step, trainable, optimizer, lr_scheduler, ema, run_log
            )
            for old in sorted(output.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[
                : -config.keep_checkpoints
            ]:
                shutil.rmtree(old, ignore_errors=True)
    progress.close()
    accelerator.wait_for_everyone()

    final_unet = accelerator.unwrap_model(unet)
    if ema is not None:
        ema.copy_to(params)
    final_unet.eval()
    run_log["fixed_batch_loss_end"] = fixed_batch_loss(parts, fixed_batch)
    run_log["step"] = step
    run_log["seconds"] = time.monotonic() - started
    run_log["words_seen_count"] = len(run_log["words_seen"])
    if main:
        run_log["weights"] = str(_export(config, final_unet, output))
        (output / "train_log.json").write_text(
            json.dumps(run_log, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        say(
            f"done: step {step}, loss on a held-out batch {run_log['fixed_batch_loss_start']:.4f} → "
            f"{run_log['fixed_batch_loss_end']:.4f}, weights in {run_log['weights']}"
        )
    accelerator.wait_for_everyone()
    if not math.isfinite(run_log["fixed_batch_loss_end"]):
        raise TextsynthError("training diverged: loss is not finite (try a lower --learning-rate)")
    return run_log
