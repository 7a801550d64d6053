"""Ray backend: shards become tasks on a pool of Ray actors, one started job worker per actor.

Each actor loads what its job needs once (corpus, fonts and templates; or the OCR models) and
then makes whole shards, writing them straight to the output (shared storage on a cluster).
Bytes equal the local backend's, since a shard depends only on the job's settings and its plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
    job: Job, plans: list[ShardPlan], output: Output, address: str | None,
    progress: Callable[[int], None], num_actors: int | None = None,
) -> Iterator[ShardResult]:  # fmt: skip
    """Yield shard results as Ray actors finish them; start a local Ray only when none is running."""
    if not plans:
        return
    try:
        import ray
    except ImportError:
        raise TextsynthError("--backend ray needs Ray: pip install 'textsynth[ray]' (or 'ray')") from None
    started_here = not ray.is_initialized()
    if started_here:
        _init(ray, address)
    try:
        cpus = int(ray.available_resources().get("CPU", 1)) or 1
        actors_n = max(1, min(num_actors or cpus, len(plans)))
        # An output only this process can see (memory://) cannot be written by actors: they return the bytes.
        write_remote = output.shared
        actor_cls = ray.remote(num_cpus=1)(_ShardRenderer)
        actors = [actor_cls.remote(job, output.url, write_remote) for _ in range(actors_n)]
        queue = list(reversed(plans))
        running: dict[Any, Any] = {}
        for actor in actors:
            if queue:
                running[actor.render.remote(queue.pop())] = actor
        while running:
            done, _ = ray.wait(list(running), num_returns=1)
            actor = running.pop(done[0])
            result = _get(ray, done[0])
            if queue:
                running[actor.render.remote(queue.pop())] = actor
            result = store_returned(result, output)
            progress(result.count)
            yield result
    finally:
        if started_here:
            ray.shutdown()


def _init(ray, address: str | None) -> None:
    import os

    try:
        if address:
            ray.init(address=address, log_to_driver=False, logging_level="warning")
        else:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False, logging_level="warning")
    except (ConnectionError, RuntimeError, ValueError) as err:
        where = f"--address {address}" if address else "local Ray"
        raise TextsynthError(
            f"{where}: cannot start or reach Ray ({err}); check the address (ray status)"
        ) from None


def _get(ray, ref) -> ShardResult:
    """Unwrap a task result, turning a user error raised inside an actor back into TextsynthError."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = err.cause if hasattr(err, "cause") else None
        if isinstance(cause, TextsynthError):
            raise TextsynthError(str(cause)) from None
        raise
