"""Fine-tune the Kolors UNet (LoRA or full) on shards: one readable path, after diffusers' SDXL example.

Order of work: replay the deterministic data plan once to cache every caption's text
embedding (then free ChatGLM), train the UNet with epsilon/v loss under accelerate,
checkpoint every N steps, save LoRA weights (`lora/`) or a full UNet (`unet/`).
"""

from __future__ import annotations

import itertools
import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from textsynth.errors import TextsynthError
from textsynth.train import data, kolors

LORA_TARGETS = ["to_k", "to_q", "to_v", "to_out.0"]


@dataclass
class TrainConfig:
    """Everything that defines a run; written into the run log and every checkpoint."""

    model: str
    shards: str
    output: str
    real_shards: str | None = None
    synthetic_ratio: float = 1.0
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
    ema: bool = False
    ema_decay: float = 0.9999
    checkpoint_every: int = 500
    keep_checkpoints: int = 2
    resume: bool = False
    cache_latents: bool = False
    seed: int = 0
    progress: bool = True


def _batch_stream(config: TrainConfig) -> Any:
    """The run's batches in order (images still encoded): a pure function of the config."""
    synthetic = data.expand_shards(config.shards, "--shards")
    real = data.expand_shards(config.real_shards, "--real-shards") if config.real_shards else None
    ratio = config.synthetic_ratio if real else 1.0
    samples = data.mixed_stream(synthetic, real, ratio, config.seed)
    return data.plan_batches(
        samples, config.batch_size, data.bucket_sizes(config.resolution, config.bucket_step)
    )


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


def diffusion_loss(parts: kolors.KolorsParts, batch: dict, generator: Any) -> Any:
    """Noise-prediction MSE for one decoded batch with cached embeddings, noise drawn from `generator`."""
    import torch
    import torch.nn.functional as F

    unet, vae, scheduler = parts.unet, parts.vae, parts.noise_scheduler
    device = next(unet.parameters()).device
    with torch.no_grad():
        if "latents" in batch:
            latents = batch["latents"].to(device)
        else:
            pixels = batch["pixel_values"].to(device, dtype=vae.dtype)
            dist = vae.encode(pixels).latent_dist
            latents = dist.mean + dist.std * torch.randn(dist.mean.shape, generator=generator).to(device)
        latents = latents.float() * vae.config.scaling_factor
    noise = torch.randn(latents.shape, generator=generator).to(device)
    timesteps = torch.randint(
        0, scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator
    ).to(device)
    noisy = scheduler.add_noise(latents, noise, timesteps)
    if scheduler.config.prediction_type == "epsilon":
        target = noise
    elif scheduler.config.prediction_type == "v_prediction":
        target = scheduler.get_velocity(latents, noise, timesteps)
    else:
        raise TextsynthError(
            f"scheduler prediction_type {scheduler.config.prediction_type!r} is not supported"
        )
    height, width = batch["pixel_values"].shape[-2:] if "pixel_values" in batch else batch["target_size"]
    time_ids = kolors.add_time_ids(batch["original_sizes"], batch["crops_top_left"], (height, width))
    dtype = next(unet.parameters()).dtype
    pred = unet(
        noisy.to(dtype),
        timesteps,
        encoder_hidden_states=batch["prompt_embeds"].to(device, dtype=dtype),
        added_cond_kwargs={
            "text_embeds": batch["pooled"].to(device, dtype=dtype),
            "time_ids": time_ids.to(device, dtype=dtype),
        },
    ).sample
    return F.mse_loss(pred.float(), target.float())


def fixed_batch_loss(parts: kolors.KolorsParts, batch: dict, seed: int = 1234, repeats: int = 4) -> float:
    """Mean loss on one batch over fixed noise draws: a comparable number before/after training."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        return float(sum(diffusion_loss(parts, batch, generator).item() for _ in range(repeats)) / repeats)


def _cache_text_embeddings(config: TrainConfig, cache: data.EmbeddingCache, log: Any) -> int:
    """Replay the run's data plan, encode each unseen caption once, then drop ChatGLM from memory."""
    import gc

    captions = [
        s.caption
        for batch in itertools.islice(_batch_stream(config), _micro_batches(config))
        for s in batch.samples
    ]
    missing = cache.missing(captions)
    if missing:
        tokenizer, text_encoder = kolors.load_text_encoder(config.model)
        cache.fill(missing, lambda chunk: kolors.encode_prompts(tokenizer, text_encoder, chunk))
        del tokenizer, text_encoder
        gc.collect()
    log(f"text embeddings: {len(set(captions))} captions, {len(missing)} newly encoded")
    return len(missing)


def _with_embeddings(batch: dict, cache: data.EmbeddingCache) -> dict:
    batch["prompt_embeds"], batch["pooled"] = cache.load(batch["captions"])
    return batch


def _with_latents(planned: data.PlannedBatch, decoded: dict, parts: Any, cache: data.LatentCache) -> dict:
    """Replace pixels by cached VAE latents (computed on first use), keeping pixels' shape for time ids."""
    import torch

    latents = []
    for index, sample in enumerate(planned.samples):
        path = cache.path(sample, planned.bucket)
        if not path.is_file():
            pixels = decoded["pixel_values"][index : index + 1].to(parts.vae.device, dtype=parts.vae.dtype)
            with torch.no_grad():
                mean = parts.vae.encode(pixels).latent_dist.mean[0].cpu()
            path.parent.mkdir(exist_ok=True)
            torch.save(mean, path)
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


def train(config: TrainConfig) -> dict:
    """Run (or resume) one fine-tune; returns the run log that is also written to OUTPUT/train_log.json."""
    import torch
    from accelerate import Accelerator
    from diffusers.optimization import get_scheduler
    from diffusers.training_utils import EMAModel
    from safetensors.torch import load_file
    from tqdm.auto import tqdm

    output = Path(config.output)
    output.mkdir(parents=True, exist_ok=True)
    kolors.check_model_dir(config.model)
    if config.resolution % 8 or config.resolution < 64:
        raise TextsynthError(f"--resolution must be a multiple of 8 and at least 64, got {config.resolution}")
    if config.steps < 1 or config.batch_size < 1 or config.gradient_accumulation < 1:
        raise TextsynthError("--steps, --batch-size and --gradient-accumulation must be at least 1")
    accelerator = Accelerator(
        mixed_precision=config.mixed_precision, gradient_accumulation_steps=config.gradient_accumulation
    )
    say = accelerator.print
    checkpoint = _latest_checkpoint(output) if config.resume else None
    if config.resume and checkpoint is None:
        say(f"--resume: no checkpoint in {output}, starting from step 0")

    cache = data.EmbeddingCache(output / "cache" / "text_embeddings")
    _cache_text_embeddings(config, cache, say)
    latent_cache = data.LatentCache(output / "cache" / "latents") if config.cache_latents else None

    parts = kolors.load_parts(config.model, with_text_encoder=False)
    unet = parts.unet
    unet.requires_grad_(False)
    if config.full:
        unet.requires_grad_(True)
    else:
        _add_lora(unet, config.lora_rank, config.seed)
    if config.gradient_checkpointing:
        unet.enable_gradient_checkpointing()
    weight_dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}.get(config.mixed_precision, torch.float32)
    parts.vae.to(accelerator.device, dtype=torch.float32 if parts.vae.config.force_upcast else weight_dtype)
    unet.to(accelerator.device)
    trainable_names = [n for n, p in unet.named_parameters() if p.requires_grad]
    params = [p for p in unet.parameters() if p.requires_grad]
    optimizer = _optimizer(config, params)
    lr_scheduler = get_scheduler(
        config.lr_scheduler, optimizer, num_warmup_steps=config.warmup_steps, num_training_steps=config.steps
    )
    ema = EMAModel(params, decay=config.ema_decay) if config.ema else None
    unet, optimizer = accelerator.prepare(unet, optimizer)
    parts.unet = unet

    run_log: dict[str, Any] = {"config": asdict(config), "loss": [], "words_seen": {}, "samples_seen": 0}
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
        run_log.update(
            {k: previous[k] for k in ("loss", "words_seen", "samples_seen", "fixed_batch_loss_start")}
        )
        say(f"resumed from {checkpoint} at step {step}")

    planned_batches = _batch_stream(config)
    skip = step * config.gradient_accumulation
    planned_batches = itertools.islice(planned_batches, skip, _micro_batches(config))

    def prepare(planned: data.PlannedBatch) -> dict:
        decoded = _with_embeddings(data.decode_batch(planned), cache)
        if latent_cache is not None:
            decoded = _with_latents(planned, decoded, parts, latent_cache)
        return decoded

    first_plan = next(itertools.islice(_batch_stream(config), 1))
    fixed_batch = prepare(first_plan)
    if "fixed_batch_loss_start" not in run_log:
        unet.eval()
        run_log["fixed_batch_loss_start"] = fixed_batch_loss(parts, fixed_batch)
    unet.train()

    progress = tqdm(
        total=config.steps,
        initial=step,
        desc="finetune",
        disable=not (config.progress and accelerator.is_main_process),
    )
    started, start_step = time.monotonic(), step
    running: list[float] = []
    for micro_index, planned in enumerate(planned_batches, start=skip):
        batch = prepare(planned)
        # Noise depends only on (seed, micro-batch index): a resumed run draws what the first would have.
        generator = torch.Generator().manual_seed(config.seed * 1_000_003 + micro_index)
        with accelerator.accumulate(unet):
            loss = diffusion_loss(parts, batch, generator)
            accelerator.backward(loss)
            if accelerator.sync_gradients:
                accelerator.clip_grad_norm_(params, config.max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        running.append(float(loss.detach().item()))
        for sample in planned.samples:
            for word in sample.words():
                run_log["words_seen"][word] = run_log["words_seen"].get(word, 0) + 1
        run_log["samples_seen"] += len(planned.samples)
        if not accelerator.sync_gradients:
            continue
        lr_scheduler.step()
        if ema is not None:
            ema.step(params)
        step += 1
        mean_loss = sum(running) / len(running)
        running = []
        run_log["loss"].append({"step": step, "loss": mean_loss, "lr": lr_scheduler.get_last_lr()[0]})
        rate = (step - start_step) / max(time.monotonic() - started, 1e-9)
        progress.set_postfix(loss=f"{mean_loss:.4f}", steps_per_s=f"{rate:.2f}")
        progress.update(1)
        if step % config.checkpoint_every == 0 or step == config.steps:
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

    final_unet = accelerator.unwrap_model(unet)
    if ema is not None:
        ema.copy_to(params)
    final_unet.eval()
    run_log["fixed_batch_loss_end"] = fixed_batch_loss(parts, fixed_batch)
    run_log["step"] = step
    run_log["seconds"] = time.monotonic() - started
    run_log["weights"] = str(_export(config, final_unet, output))
    run_log["words_seen_count"] = len(run_log["words_seen"])
    (output / "train_log.json").write_text(
        json.dumps(run_log, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    say(
        f"done: step {step}, loss on a fixed batch {run_log['fixed_batch_loss_start']:.4f} → "
        f"{run_log['fixed_batch_loss_end']:.4f}, weights in {run_log['weights']}"
    )
    if not math.isfinite(run_log["fixed_batch_loss_end"]):
        raise TextsynthError("training diverged: loss is not finite (try a lower --learning-rate)")
    return run_log
