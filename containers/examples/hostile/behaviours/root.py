"""Hostile example: an image whose USER is root (Arena refuses it at upload)."""

import os

print(f"running as uid {os.getuid()}", flush=True)
