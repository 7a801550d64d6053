"""Shards in and out: atomic tar writing, the manifest, reading samples back, the Hugging Face schema."""
