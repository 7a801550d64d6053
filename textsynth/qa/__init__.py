"""Judging the output: legibility, OCR read-back, text metrics, verify, stats, audits, caption reports."""
