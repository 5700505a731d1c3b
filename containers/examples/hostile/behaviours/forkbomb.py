"""Hostile example: forks until the pids limit stops it, then reports how far it got."""

import os
import sys
import time

children = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        children += 1
except OSError as exc:
    print(f"blocked: fork failed after {children} processes: {exc}", file=sys.stderr, flush=True)
    sys.exit(3)
