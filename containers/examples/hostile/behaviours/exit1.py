"""Hostile example: crashes with exit status 1 and a traceback-like message on stderr."""

import sys

print("loading model...", flush=True)
print("Traceback (most recent call last):", file=sys.stderr)
print('  File "/opt/algorithm/run.py", line 7, in <module>', file=sys.stderr)
print("FileNotFoundError: model weights not found: /opt/algorithm/model.pt", file=sys.stderr)
sys.exit(1)
