"""Hostile example: never finishes (sleeps past any wall-time limit)."""

import time

print("thinking very hard...", flush=True)
time.sleep(24 * 3600)
