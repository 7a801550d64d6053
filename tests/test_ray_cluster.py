"""A real Ray head (`ray start --head`): token authentication (Ray >= 2.59) named as the cause when the
driver has no token, and the same bytes as the local backend when it has one; an address where
something other than Ray listens fails in bounded time."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # starts a Ray head (~10 s) and waits out a refused connection (~20 s)

ARGS = ["--count", "6", "--shard-size", "3", "--size", "128x128", "--seed", "5", "--no-progress",
        "--templates", "shop_sign,couplet"]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ours(marker: str) -> list[int]:
    """Processes whose command line names our head's temp dir (workers Ray moved into their own groups)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    if marker.encode() in handle.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module")
def head():
    ray = pytest.importorskip("ray")
    from packaging.version import Version

    if Version(ray.__version__) < Version("2.59"):
        pytest.skip(f"Ray {ray.__version__} has no token authentication (added in 2.59)")
    temp = tempfile.mkdtemp(prefix="/tmp/tsray")  # short: Ray's socket paths must fit 107 bytes
    home = Path(temp) / "home"
    home.mkdir()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")}
    env.update(HOME=str(home), RAY_USAGE_STATS_ENABLED="0", RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER="0")
    log = open(Path(temp) / "head.log", "w+")  # noqa: SIM115 (closed in the finally below)
    ray_cli = str(Path(sys.executable).with_name("ray"))
    # as on a machine that once ran `ray.init()` (Ray >= 2.59 saves a token then): `ray start --head`
    # finds ~/.ray/auth_token and turns token authentication on
    subprocess.run(
        [ray_cli, "get-auth-token", "--generate"], env=env, check=True, capture_output=True, timeout=60
    )
    proc = subprocess.Popen(
        [ray_cli, "start", "--head", "--block", "--node-ip-address=127.0.0.1", f"--port={port}", "--num-cpus=2",
         "--include-dashboard=false", "--disable-usage-stats", "--object-store-memory=200000000",
         f"--temp-dir={temp}/t", f"--ray-client-server-port={_free_port()}"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while "Ray runtime started" not in (Path(temp) / "head.log").read_text(errors="replace"):
            assert proc.poll() is None, (Path(temp) / "head.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "Ray head did not start in 90 s"
            time.sleep(0.5)
        yield {"address": f"127.0.0.1:{port}", "env": env, "home": home, "log": Path(temp) / "head.log"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in _ours(temp):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(temp, ignore_errors=True)


def _render(out: Path, env: dict, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "textsynth.cli", "render", "--out", str(out), *ARGS, *extra]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)


def test_token_auth_head_without_token_names_the_cause(head, tmp_path):
    assert "Token authentication is enabled" in head["log"].read_text()
    started = time.monotonic()
    done = _render(tmp_path / "out", head["env"], "--backend", "ray", "--address", head["address"])
    assert done.returncode == 2 and time.monotonic() - started < 60
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    for text in (f"--address {head['address']}", "token authentication", "RAY_AUTH_MODE=token",
                 "ray get-auth-token"):  # fmt: skip
        assert text in lines[0], lines[0]
    assert not list((tmp_path / "out").glob("shard-*"))


def test_token_auth_head_with_token_gives_the_local_bytes(head, tmp_path):
    token = (head["home"] / ".ray" / "auth_token").read_text().strip()
    env = {**head["env"], "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    local = _render(tmp_path / "local", head["env"], "--workers", "1")
    assert local.returncode == 0, local.stderr[-3000:]
    on_ray = _render(tmp_path / "ray", env, "--backend", "ray", "--address", head["address"])
    assert on_ray.returncode == 0, on_ray.stderr[-3000:]
    names = sorted(p.name for p in (tmp_path / "local").glob("shard-*.tar"))
    assert names == ["shard-000000.tar", "shard-000001.tar"]
    for name in names:
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name


def test_address_where_something_else_listens_fails_in_bounded_time(tmp_path):
    """Ray waits forever on a port where something other than a Ray head answers: bounded at ~20 s."""
    pytest.importorskip("ray")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # the kernel accepts connections; nothing ever speaks
        address = f"127.0.0.1:{server.getsockname()[1]}"
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        started = time.monotonic()
        done = _render(tmp_path / "out", env, "--backend", "ray", "--address", address)
    assert done.returncode == 2 and time.monotonic() - started < 60
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-3000:]
    assert f"--address {address}: cannot reach Ray: no Ray answered within 20 s" in lines[0]
