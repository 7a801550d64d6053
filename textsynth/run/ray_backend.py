"""Ray backend: shards become tasks on a pool of Ray actors, one started job worker per actor.

Each actor loads what its job needs once (corpus, fonts and templates; or the OCR models) and
then makes whole shards, writing them straight to the output (shared storage on a cluster).
Bytes equal the local backend's, since a shard depends only on the job's settings and its plan.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from textsynth.errors import TextsynthError
from textsynth.io.shards import Output, ShardPlan, ShardResult, store_returned
from textsynth.run.job import Job


class _ShardRenderer:
    """Actor body: the job started once per worker process, reused for every shard it is given."""

    def __init__(self, job: Job, out_url: str, write: bool):
        self.worker = job.start()
        self.output = Output(out_url)
        self.write = write

    def render(self, plan: ShardPlan) -> ShardResult:
        return self.worker.process(plan, self.output, write=self.write)


def run_ray(
    job: Job, plans: Iterable[ShardPlan], output: Output, address: str | None,
    progress: Callable[[int], None], num_actors: int | None = None, shards: int | None = None,
) -> Iterator[ShardResult]:  # fmt: skip
    """Yield shard results as Ray actors finish them; start a local Ray only when none is running."""
    queue = iter(plans)
    first = next(queue, None)
    if first is None:
        return
    queue = itertools.chain([first], queue)
    try:
        import ray
    except ImportError:
        raise TextsynthError("--backend ray needs Ray: pip install 'textsynth[ray]' (or 'ray')") from None
    started_here = not ray.is_initialized()
    if started_here:
        _init(ray, address)
    try:
        cpus = int(ray.available_resources().get("CPU", 1)) or 1
        actors_n = max(1, min(num_actors or cpus, shards or cpus))
        # An output only this process can see (memory://) cannot be written by actors: they return the bytes.
        write_remote = output.shared
        actor_cls = ray.remote(num_cpus=1)(_ShardRenderer)
        actors = [actor_cls.remote(job, output.url, write_remote) for _ in range(actors_n)]
        running: dict[Any, Any] = {}
        for actor in actors:
            plan = next(queue, None)
            if plan is not None:
                running[actor.render.remote(plan)] = (actor, plan)
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            actor, finished = running.pop(done[0])
            result = _get(ray, done[0], finished)
            plan = next(queue, None)
            if plan is not None:
                running[actor.render.remote(plan)] = (actor, plan)
            result = store_returned(result, output)
            progress(result.count)
            yield result
    finally:
        if started_here:
            ray.shutdown()


def _init(ray, address: str | None) -> None:
    if address:
        _check_reachable(address)
        _connect(ray, address)
        return
    with _captured_stderr() as captured:  # Ray's C++ logs there; we report one line instead
        try:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            # address="local": a new Ray of our own, never a cluster some earlier `ray start` left recorded
            ray.init(
                address="local", num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                logging_level="warning",
            )  # fmt: skip
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise TextsynthError(f"local Ray: cannot start Ray: {_explain(ray, err, captured())}") from None


INIT_TIMEOUT_S = 20.0
_AUTH_MARKERS = ("InvalidAuthToken", "Unauthenticated")


def _connect(ray, address: str) -> None:
    """ray.init(address) with a bound: Ray waits forever on a port where something other than Ray answers."""
    import threading
    import time

    outcome: dict[str, BaseException | bool] = {}

    def connect() -> None:
        try:
            ray.init(address=address, log_to_driver=False, logging_level="warning")
            outcome["ok"] = True
        except BaseException as err:  # handed to the main thread
            outcome["error"] = err

    capture = _captured_stderr()
    captured = capture.__enter__()
    thread = threading.Thread(target=connect, name="textsynth-ray-connect", daemon=True)
    thread.start()
    deadline = time.monotonic() + INIT_TIMEOUT_S
    while thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.25)
        if any(marker in captured() for marker in _AUTH_MARKERS):
            break  # the cause is known: no need to wait out Ray's retries
    log = captured()
    if thread.is_alive():
        capture.abandon()  # Ray keeps retrying in the background until the process exits: keep its log away
    else:
        capture.__exit__(None, None, None)
    if outcome.get("ok"):
        return
    error = outcome.get("error") or TimeoutError(
        f"no Ray answered within {INIT_TIMEOUT_S:.0f} s (is something other than a Ray head listening there?)"
    )
    if not isinstance(error, Exception):
        raise error
    raise TextsynthError(f"--address {address}: cannot reach Ray: {_explain(ray, error, log)}") from None


CONNECT_TIMEOUT_S = 5.0


def _check_reachable(address: str) -> None:
    """A TCP connect to the head first: Ray itself retries a silent address for minutes."""
    import socket

    if address in ("auto", "local"):
        return
    hostport = address.split("://", 1)[-1].rstrip("/")
    host, _, port = hostport.rpartition(":")
    if not host:
        host, port = hostport, "10001" if address.startswith("ray://") else "6379"
    if not port.isdigit():
        raise TextsynthError(
            f"--address {address}: must be HOST:PORT (e.g. 10.0.0.5:6379) or ray://HOST:PORT"
        )
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as err:
        reason = f"no answer within {CONNECT_TIMEOUT_S:.0f} s" if isinstance(err, TimeoutError) else err
        raise TextsynthError(
            f"--address {address}: nothing answers there ({reason}); start the head with `ray start --head "
            "--port PORT` and give its HOST:PORT (see `ray status` on the head)"
        ) from None


def _explain(ray, err: Exception, log: str) -> str:
    """The likely cause of a failed ray.init, from the error and what Ray logged while trying."""
    text = f"{err} {log}"
    if "InvalidAuthToken" in text or "Unauthenticated" in text or "auth token" in text.lower():
        return (
            "the cluster requires token authentication (Ray >= 2.59 turns it on for `ray start --head`) "
            "and this process has no valid token; set RAY_AUTH_MODE=token and RAY_AUTH_TOKEN to the output "
            "of `ray get-auth-token` on the head (or copy its ~/.ray/auth_token here), with the same Ray "
            f"version as the cluster (this is Ray {ray.__version__})"
        )
    if "version mismatch" in text.lower():
        return f"Ray or Python versions differ from the cluster's ({err}); install the cluster's Ray here"
    return f"{err}; check the address (`ray status` on the head)"


class _captured_stderr:
    """Send file descriptor 2 to a temporary file for the block; calling the object returns the text."""

    def __enter__(self):
        import sys
        import tempfile

        sys.stderr.flush()
        self._file = tempfile.TemporaryFile()
        self._saved = os.dup(2)
        os.dup2(self._file.fileno(), 2)
        return self._read

    def _read(self) -> str:
        self._file.seek(0)
        return self._file.read().decode("utf-8", "replace")[-20000:]

    def __exit__(self, *exc) -> None:
        import sys

        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.close()

    def abandon(self) -> None:
        """Leave file descriptor 2 on the file (a thread still logs there); Python's stderr gets the real one."""
        import sys

        sys.stderr.flush()
        sys.stderr = os.fdopen(self._saved, "w", buffering=1, encoding="utf-8", errors="replace")


def _get(ray, ref, plan: ShardPlan) -> ShardResult:
    """Unwrap a task result: a user error raised inside an actor, or an actor that died, is one TextsynthError."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = err.cause if hasattr(err, "cause") else None
        if isinstance(cause, TextsynthError):
            raise TextsynthError(str(cause)) from None
        what = f"{type(cause).__name__}: {cause}" if cause is not None else str(err).splitlines()[0]
        raise TextsynthError(
            f"{plan.name}: rendering failed on a Ray actor ({what}); finished shards are kept"
        ) from None
    except ray.exceptions.RayError as err:  # the actor's process died (os._exit, out of memory, node lost)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise TextsynthError(
            f"{plan.name} (samples {plan.first:09d}-{plan.first + plan.count - 1:09d}): the Ray actor rendering it "
            f"died ({type(err).__name__}: {first}); finished shards are kept, rerun the same command to resume"
        ) from None
