"""Hostile example: tries to write outside /output (root fs, /input, home, /etc)."""

import sys

targets = ["/etc/arena-escape", "/usr/arena-escape", "/input/arena-escape",
           "/home/arena/arena-escape", "/opt/algorithm/arena-escape"]
breaches, errors = [], []
for path in targets:
    try:
        with open(path, "w") as fh:
            fh.write("escaped\n")
        breaches.append(path)
    except OSError as exc:
        errors.append(f"{path}: {exc.strerror}")
if breaches:
    print("BREACH: wrote " + ", ".join(breaches), flush=True)
    sys.exit(0)
print("blocked: write outside /output refused (" + "; ".join(errors) + ")", file=sys.stderr,
      flush=True)
sys.exit(3)
