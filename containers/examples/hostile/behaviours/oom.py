"""Hostile example: allocates (and touches) memory until the memory limit kills it."""

import sys

chunks = []
while True:
    chunks.append(bytearray(b"x" * (32 * 1024 * 1024)))
    print(f"allocated {32 * len(chunks)} MiB", file=sys.stderr, flush=True)
