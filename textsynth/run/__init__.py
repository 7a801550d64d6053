"""Running many samples: shard planning, the local process pool, the Ray backend, one worker routine."""
