"""Running the commands as users do: two processes under `accelerate launch`, and from any directory."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from train_fixtures import tiny_kolors, word_shards, write_shard  # noqa: F401 - pytest fixtures

import textsynth
from textsynth.cli import main

pytestmark = pytest.mark.slow

SOURCE_ROOT = Path(textsynth.__file__).resolve().parents[1]  # the checkout under test, not an installed copy


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(SOURCE_ROOT), "OMP_NUM_THREADS": "1"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_two_processes_read_disjoint_shards_and_only_the_main_one_writes(
    tiny_kolors: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    from train_fixtures import corpus_words

    words = corpus_words(400)[200:212]
    for i in range(3):  # three shards of four: the last one also gives the held-out batch
        write_shard(tmp_path / "shards" / f"shard-{i:06d}.tar", words[4 * i : 4 * i + 4], start=4 * i)
    output = tmp_path / "run"
    # `--multi_gpu` picks accelerate's torchrun launcher; with no GPU the processes run on the CPU (gloo)
    command = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(_free_port()), "-m", "textsynth", "finetune",
               "--model", str(tiny_kolors), "--shards", str(tmp_path / "shards" / "shard-{000000..000002}.tar"),
               "--output", str(output), "--resolution", "64", "--steps", "2", "--batch-size", "1",
               "--learning-rate", "1e-2", "--warmup-steps", "0", "--lora-rank", "4", "--no-progress"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    log = json.loads((output / "train_log.json").read_text(encoding="utf-8"))
    assert log["processes"] == 2 and log["samples_seen"] == 4
    first, second = log["ranks"]
    assert first["samples"] == second["samples"] == 2
    assert not set(first["shards"]) & set(second["shards"])  # split_by_node: no shard read twice
    assert first["shared_with_other_ranks"] == second["shared_with_other_ranks"] == 0
    # one export, written once: the main process alone prints "done" and writes the weights and log
    assert done.stdout.count("done: step 2") == 1
    assert sorted(p.name for p in output.iterdir()) == ["cache", "checkpoint-2", "lora", "train_log.json"]
    assert [p.name for p in (output / "lora").iterdir()] == ["pytorch_lora_weights.safetensors"]


def test_smoke_test_runs_from_any_directory_without_library_noise(word_shards, tmp_path: Path) -> None:  # noqa: F811
    # the documented smoke test, with relative paths, from a directory that is not the checkout
    demo = tmp_path / "demo"
    demo.mkdir()
    for shard in sorted(Path(word_shards[0].split("shard-")[0]).glob("shard-*.tar")):
        shutil.copy(shard, demo)
    script = (
        "from textsynth.cli import main\n"
        "assert main(['make-tiny-kolors', 'tiny-kolors/', '--max-words', '3000']) == 0\n"
        "assert main(['finetune', '--model', 'tiny-kolors/', '--shards', 'demo/shard-{000000..000001}.tar',"
        " '--output', 'runs/smoke', '--resolution', '64', '--steps', '3', '--learning-rate', '1e-2',"
        " '--warmup-steps', '0', '--no-progress']) == 0\n"
        "assert main(['evaluate', '--model', 'tiny-kolors/', '--lora', 'runs/smoke', '--output', 'runs/smoke/eval',"
        " '--limit', '2', '--resolution', '64', '--steps', '2']) == 0\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "runs" / "smoke" / "eval" / "metrics.json").is_file()
    assert "loss on a held-out batch" in done.stdout and "wrote runs/smoke/eval/metrics.json" in done.stdout
    noise = [line for line in done.stderr.splitlines() if line.strip()]
    assert noise == [], noise[:5]  # no transformers/diffusers warnings or progress bars


def test_finetune_refuses_fp16_on_the_cpu(tiny_kolors: Path, word_shards, tmp_path: Path, capsys) -> None:  # noqa: F811
    argv = ["finetune", "--model", str(tiny_kolors), "--shards", word_shards[0], "--output", str(tmp_path),
            "--device", "cpu", "--mixed-precision", "fp16"]  # fmt: skip
    assert main(argv) == 2
    assert "fp16 needs a GPU" in capsys.readouterr().err
