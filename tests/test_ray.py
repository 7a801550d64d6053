"""`--backend ray`: shards rendered by Ray actors are byte-identical to the local backend's."""

from __future__ import annotations

import shutil

import pytest

from textsynth.cli import main

pytestmark = pytest.mark.slow  # each test starts a local Ray (~5-10 s)

ARGS = ["--count", "8", "--shard-size", "3", "--size", "128x128", "--seed", "9", "--no-progress",
        "--templates", "promo_poster,shop_sign,couplet"]  # fmt: skip
NAMES = ("shard-000000.tar", "shard-000001.tar", "shard-000002.tar")


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    out = tmp_path_factory.mktemp("local") / "out"
    assert main(["render", "--out", str(out), "--workers", "1", *ARGS]) == 0
    return out


def test_ray_resumes_a_local_run_with_the_same_bytes(local, tmp_path, capsys):
    ray = pytest.importorskip("ray")
    on_ray = tmp_path / "ray"
    shutil.copytree(local, on_ray)
    (on_ray / "shard-000001.tar").unlink()
    (on_ray / "shard-000002.tar").unlink()
    capsys.readouterr()
    assert main(["render", "--out", f"file://{on_ray}", "--backend", "ray", *ARGS]) == 0
    assert "(2 rendered, 1 already done)" in capsys.readouterr().err
    assert not ray.is_initialized(), "the run must shut down the Ray it started"
    for name in NAMES:
        assert (on_ray / name).read_bytes() == (local / name).read_bytes(), name
    assert main(["verify", str(on_ray), "--no-progress"]) == 0


def test_ray_already_running_and_memory_output(local):
    """A Ray the caller started is used and left running; memory:// shards come back to the driver as bytes."""
    import fsspec

    from textsynth.cli import build_parser
    from textsynth.commands.render import config_from_args
    from textsynth.run.runner import run_render

    ray = pytest.importorskip("ray")
    config = config_from_args(
        build_parser().parse_args(["render", "--out", "unused", *ARGS])
    )  # same as `local`
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    url = "memory://textsynth-test-ray/out"
    try:
        summary = run_render(config, url, backend="ray")
        assert summary.rendered_shards == 3
        assert ray.is_initialized()
        fs = fsspec.filesystem("memory")
        for name in NAMES:
            assert fs.cat(f"/textsynth-test-ray/out/{name}") == (local / name).read_bytes(), name
    finally:
        ray.shutdown()
        fsspec.filesystem("memory").rm("/textsynth-test-ray", recursive=True)
