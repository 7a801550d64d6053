"""Recaption real images: OCR every text line, quote it exactly in captions (fused, or from a VLM), write shards."""
