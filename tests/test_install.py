"""A plain (non-editable) install carries everything: built-in templates, corpora, font manifest."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_built_wheel_renders_from_another_folder(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", wheels, REPO],
        check=True, cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    (wheel,) = wheels.glob("textsynth-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                            check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    # the wheel goes in the fresh venv; its dependencies come from ours through a path entry, which
    # (unlike a site dir) does not run our editable install's .pth, so textsynth can only come from the wheel
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel],
                   check=True, capture_output=True)  # fmt: skip
    Path(target, "deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = subprocess.run([python, "-c", "import textsynth; print(textsynth.__file__)"], cwd=work, env=env,
                           check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert where.startswith(target), where
    done = subprocess.run(
        [python, "-m", "textsynth", "render", "--out", "out", "--count", "10", "--shard-size", "5",
         "--size", "256x256", "--workers", "1"],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    assert sum(shard["count"] for shard in manifest["shards"].values()) == 10
    templates = subprocess.run([python, "-m", "textsynth", "templates"], cwd=work, env=env,
                               check=True, capture_output=True, text=True).stdout  # fmt: skip
    assert "couplet" in templates and "promo_poster" in templates
