"""Benchmarks: figures printed as ratios against a bare Flask page (``python -m bench``)."""
